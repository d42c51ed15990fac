/** The transcript in every format: each button gets a signed URL and downloads it. */
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { errorMessage } from "../../../api/client";
import { downloadUrl, FORMATS, type DownloadFormat } from "../jobApi";

function saveAs(url: string) {
  const link = document.createElement("a");
  link.href = url;
  link.download = ""; // same origin (local storage): a download
  link.target = "_blank"; // another origin (S3) ignores `download`: a new tab, not away from here
  link.rel = "noopener";
  document.body.append(link);
  link.click();
  link.remove();
}

export function Downloads({ jobId }: { jobId: string }) {
  const { t } = useTranslation("job");
  const [busy, setBusy] = useState<DownloadFormat | null>(null);
  const [error, setError] = useState<string | null>(null);
  const download = async (format: DownloadFormat) => {
    setBusy(format);
    setError(null);
    try {
      saveAs(await downloadUrl(jobId, format));
    } catch (caught) {
      setError(errorMessage(caught, t("downloads.failed")));
    } finally {
      setBusy(null);
    }
  };
  return (
    <section className="card side-card" aria-labelledby="downloads-title">
      <h2 id="downloads-title">{t("downloads.title")}</h2>
      <div className="row download-buttons">
        {FORMATS.map((format) => (
          <button
            key={format}
            type="button"
            className="button small"
            aria-busy={busy === format}
            disabled={busy !== null}
            title={t(`downloads.${format}`)}
            onClick={() => void download(format)}
          >
            {format.toUpperCase()}
          </button>
        ))}
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}
