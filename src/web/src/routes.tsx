/** The app's pages (../shared/WEB.md lists them). Pages a first visit does not need are
 * loaded on demand, so the sign-in page stays small. */
import { lazy } from "react";
import { createBrowserRouter } from "react-router";

import { Layout } from "./components/Layout";
import { RequireAdmin, RequireAuth, SignedOutOnly } from "./components/guards";
import { LoginPage } from "./pages/auth/LoginPage";
import { NotFoundPage } from "./pages/NotFoundPage";

const RegisterPage = lazy(() => import("./pages/auth/RegisterPage"));
const VerifyEmailPage = lazy(() => import("./pages/auth/VerifyEmailPage"));
const ResetPasswordPage = lazy(() => import("./pages/auth/ResetPasswordPage"));
const JobsPage = lazy(() => import("./pages/jobs/JobsPage"));
const JobPage = lazy(() => import("./pages/job/JobPage"));
const SharedPage = lazy(() => import("./pages/share/SharedPage"));
const SettingsPage = lazy(() => import("./pages/settings/SettingsPage"));
const AdminPage = lazy(() => import("./pages/admin/AdminPage"));

export const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { path: "/", element: <SignedOutOnly><LoginPage /></SignedOutOnly> },
      { path: "/login", element: <SignedOutOnly><LoginPage /></SignedOutOnly> },
      { path: "/register", element: <SignedOutOnly><RegisterPage /></SignedOutOnly> },
      { path: "/verify-email", element: <VerifyEmailPage /> },
      { path: "/reset-password", element: <ResetPasswordPage /> },
      { path: "/s/:token", element: <SharedPage /> },
      { path: "/app", element: <RequireAuth><JobsPage /></RequireAuth> },
      { path: "/app/jobs/:jobId", element: <RequireAuth><JobPage /></RequireAuth> },
      { path: "/app/settings", element: <RequireAuth><SettingsPage /></RequireAuth> },
      {
        path: "/app/admin",
        element: <RequireAuth><RequireAdmin><AdminPage /></RequireAdmin></RequireAuth>,
      },
      { path: "*", element: <NotFoundPage /> },
    ],
  },
]);
