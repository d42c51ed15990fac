/** Speakers of a dialogue: their colour, name, and a rename form (PATCH /jobs/{id}/speakers). */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

import { errorMessage } from "../../../api/client";
import { jobKey, renameSpeakers, transcriptKey } from "../jobApi";

interface Props {
  jobId: string;
  labels: readonly string[];
  speakerName: (label: string) => string;
  speakerSlot: (label: string) => number;
}

export function SpeakersPanel({ jobId, labels, speakerName, speakerSlot }: Props) {
  const { t } = useTranslation("job");
  const client = useQueryClient();
  const [editing, setEditing] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const rename = useMutation({
    mutationFn: ({ label, name }: { label: string; name: string }) => renameSpeakers(jobId, { [label]: name }),
    onSuccess: (job, { label }) => {
      client.setQueryData(jobKey(jobId), job);
      void client.invalidateQueries({ queryKey: transcriptKey(jobId) });
      void client.invalidateQueries({ queryKey: ["jobs"] });
      setEditing(null);
      setSaved(label);
    },
  });

  const submit = (event: FormEvent<HTMLFormElement>, label: string) => {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget).get("name") ?? "").trim();
    if (!name) return;
    rename.mutate({ label, name });
  };

  return (
    <section className="card side-card" aria-labelledby="speakers-title">
      <h2 id="speakers-title">{t("speakers.title")}</h2>
      <ul className="speaker-list">
        {labels.map((label) => (
          <li key={label} className={`speaker-item speaker-slot-${speakerSlot(label)}`}>
            <div className="speaker-line">
              <span className="speaker-swatch" aria-hidden="true" />
              <span className="speaker-name">{speakerName(label)}</span>
              {editing !== label && (
                <button
                  type="button"
                  className="button small subtle"
                  aria-label={t("speakers.rename", { label })}
                  onClick={() => {
                    rename.reset();
                    setSaved(null);
                    setEditing(label);
                  }}
                >
                  {t("speakers.renameShort")}
                </button>
              )}
            </div>
            {editing === label && (
              <form className="stack speaker-form" onSubmit={(event) => submit(event, label)}>
                <label className="field">
                  <span>{t("speakers.name")}</span>
                  <input
                    name="name"
                    defaultValue={speakerName(label)}
                    maxLength={64}
                    required
                    autoFocus
                    onFocus={(event) => event.currentTarget.select()}
                  />
                </label>
                {rename.isError && (
                  <p role="alert" className="error">
                    {errorMessage(rename.error)}
                  </p>
                )}
                <div className="row">
                  <button type="submit" className="button primary small" disabled={rename.isPending}>
                    {t("speakers.save")}
                  </button>
                  <button type="button" className="button small" onClick={() => setEditing(null)}>
                    {t("speakers.cancel")}
                  </button>
                </div>
              </form>
            )}
          </li>
        ))}
      </ul>
      <p className="muted small-print" aria-live="polite">
        {saved ? t("speakers.saved", { name: speakerName(saved) }) : t("speakers.hint")}
      </p>
    </section>
  );
}
