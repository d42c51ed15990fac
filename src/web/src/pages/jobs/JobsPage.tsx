/** `/app`: upload recordings and follow the user's jobs live. */
import { useEffect, useId } from "react";
import { useTranslation } from "react-i18next";

import { JobList } from "./JobList";
import { UploadPanel } from "./UploadPanel";
import "./jobs.css";

export default function JobsPage() {
  const { t } = useTranslation("jobs");
  const uploadHeading = useId();
  const listHeading = useId();
  const title = t("title");
  useEffect(() => {
    document.title = `${title} · Transcribe`;
  }, [title]);
  return (
    <div className="jobs-page stack">
      <header className="jobs-header">
        <h1>{t("title")}</h1>
        <p className="muted">{t("lead")}</p>
      </header>
      <UploadPanel headingId={uploadHeading} />
      <JobList headingId={listHeading} />
    </div>
  );
}
