/** `/app/admin` (administrators; the route's guard turns others away): users and the jobs
 * of everyone. */
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { JobsSection } from "./JobsSection";
import { UsersSection } from "./UsersSection";
import "../settings/settings.css";
import "./admin.css";

export default function AdminPage() {
  const { t } = useTranslation("admin");
  const [owner, setOwner] = useState<{ id: string; email: string } | null>(null);
  useEffect(() => {
    document.title = `${t("title")} · Transcribe`;
  }, [t]);
  return (
    <div className="admin stack">
      <h1>{t("title")}</h1>
      <UsersSection
        onShowJobs={(user) => {
          setOwner({ id: user.id, email: user.email });
          requestAnimationFrame(() =>
            document.getElementById("admin-jobs")?.scrollIntoView({ behavior: "smooth", block: "start" }),
          );
        }}
      />
      <JobsSection owner={owner} onClearOwner={() => setOwner(null)} />
    </div>
  );
}
