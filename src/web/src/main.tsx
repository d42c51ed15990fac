import { QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { RouterProvider } from "react-router";

import { currentTokens } from "./api/session";
import { setupI18n } from "./i18n";
import { queryClient } from "./queryClient";
import { router } from "./routes";
import "./styles/base.css";
import { applyInitialTheme } from "./theme";

applyInitialTheme();

// Opening the app on a job's page: its data loads beside the scripts, not after them.
const jobPage = /^\/app\/jobs\/([0-9a-f-]{36})\/?$/i.exec(window.location.pathname);
if (jobPage?.[1] && currentTokens()) {
  const jobId = jobPage[1];
  void import("./pages/job/JobPage"); // the page's own chunk, which routes.tsx loads lazily
  void import("./pages/job/jobApi").then((module) => module.prefetchJobPage(queryClient, jobId));
}

// The first paint is in the user's language: its common strings load first.
void setupI18n().finally(() =>
  createRoot(document.getElementById("root")!).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </StrictMode>,
  ),
);
