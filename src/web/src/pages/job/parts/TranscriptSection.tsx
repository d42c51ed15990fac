/**
 * The job page's transcript: the synced view plus editing. "Edit transcript" freezes the
 * document being edited (a refetch meanwhile does not move the paragraphs under the user),
 * "Save" sends one edit a changed paragraph at that document's revision; a 409 means someone
 * saved first: the user's text stays on screen and copyable while they reload.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useCallback, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";

import { ApiError, errorMessage } from "../../../api/client";
import { restoreRecognised, saveEdits, transcriptKey } from "../jobApi";
import { buildParagraphs, editsFor, paragraphText, type TranscriptDoc } from "../transcript/model";
import { TranscriptView } from "../transcript/TranscriptView";
import { ConfirmDialog } from "../../../components/ConfirmDialog";

interface Props {
  jobId: string;
  doc: TranscriptDoc;
  dialogue: boolean;
  media: HTMLMediaElement | null;
  speakerName: (label: string) => string;
  speakerSlot: (label: string) => number;
}

interface Conflict {
  message: string;
  text: string;
}

export function TranscriptSection({ jobId, doc, dialogue, media, speakerName, speakerSlot }: Props) {
  const { t } = useTranslation("job");
  const client = useQueryClient();
  const [base, setBase] = useState<TranscriptDoc | null>(null); // the document being edited
  const [drafts, setDrafts] = useState<Map<number, string>>(() => new Map());
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [confirmRestore, setConfirmRestore] = useState(false);

  const shown = base ?? doc;
  const paragraphs = useMemo(() => buildParagraphs(shown.words, dialogue), [shown.words, dialogue]);

  const onDraft = useCallback((paragraph: number, text: string) => {
    setDrafts((previous) => {
      const next = new Map(previous);
      next.set(paragraph, text);
      return next;
    });
  }, []);
  const edit = useMemo(() => (base ? { drafts, onDraft } : null), [base, drafts, onDraft]);

  const changed = useMemo(
    () => (base ? editsFor(base.words, paragraphs, drafts) : []),
    [base, paragraphs, drafts],
  );

  const stopEditing = () => {
    setBase(null);
    setDrafts(new Map());
  };

  const afterChange = (next: TranscriptDoc) => {
    client.setQueryData(transcriptKey(jobId), next);
    void client.invalidateQueries({ queryKey: ["jobs"] });
  };

  const save = useMutation({
    mutationFn: async () => {
      if (!base || changed.length === 0) return null;
      return saveEdits(jobId, base.revision ?? 0, changed);
    },
    onSuccess: (next) => {
      if (next) afterChange(next);
      setStatus(next ? t("edit.saved") : t("edit.nothingChanged"));
      stopEditing();
    },
    onError: (error) => {
      if (error instanceof ApiError && error.status === 409 && base) {
        const text = [...drafts.entries()]
          .sort(([a], [b]) => a - b)
          .filter(([index, value]) => paragraphs[index] && value !== paragraphText(base.words, paragraphs[index]!))
          .map(([, value]) => value)
          .join("\n\n");
        setConflict({ message: error.message, text });
      }
    },
  });

  const restore = useMutation({
    mutationFn: () => restoreRecognised(jobId),
    onSuccess: (next) => {
      afterChange(next);
      setConfirmRestore(false);
      setStatus(t("edit.restored"));
    },
  });

  const reload = () => {
    stopEditing();
    save.reset();
    void client.invalidateQueries({ queryKey: transcriptKey(jobId) });
  };

  const revision = doc.revision ?? 0;
  const saveError = save.error && !(save.error instanceof ApiError && save.error.status === 409) ? save.error : null;

  return (
    <section className="card transcript-card">
      <div className="transcript-toolbar">
        <h2 id="transcript-title">{t("transcript.title")}</h2>
        <div className="row">
          {base ? (
            <>
              <span className="muted small-print" aria-live="polite">
                {t("edit.changedParagraphs", { count: changed.length })}
              </span>
              <button
                type="button"
                className="button primary"
                disabled={save.isPending}
                onClick={() => {
                  setConflict(null);
                  save.mutate();
                }}
              >
                {save.isPending ? t("edit.saving") : t("edit.save")}
              </button>
              <button type="button" className="button" onClick={stopEditing} disabled={save.isPending}>
                {t("edit.cancel")}
              </button>
            </>
          ) : (
            <>
              {revision > 0 && (
                <button type="button" className="button subtle" onClick={() => setConfirmRestore(true)}>
                  {t("edit.restore")}
                </button>
              )}
              <button
                type="button"
                className="button"
                disabled={doc.words.length === 0}
                onClick={() => {
                  setStatus(null);
                  setConflict(null);
                  save.reset();
                  setBase(doc);
                }}
              >
                {t("edit.start")}
              </button>
            </>
          )}
        </div>
      </div>
      {base && <p className="muted small-print">{t("edit.lead")}</p>}
      {status && !base && (
        <p className="success" aria-live="polite">
          {status}
        </p>
      )}
      {conflict && (
        <div role="alert" className="error conflict">
          <p>
            <strong>{t("edit.conflictTitle")}</strong> {t("edit.conflict")}
          </p>
          <p className="small-print">{conflict.message}</p>
          {conflict.text && (
            <label className="field">
              <span>{t("edit.yourText")}</span>
              <textarea readOnly value={conflict.text} rows={4} onFocus={(event) => event.currentTarget.select()} />
            </label>
          )}
          <div className="row">
            {base && (
              <button type="button" className="button primary small" onClick={reload}>
                {t("edit.reload")}
              </button>
            )}
            <button type="button" className="button small" onClick={() => setConflict(null)}>
              {t("edit.dismiss")}
            </button>
          </div>
        </div>
      )}
      {saveError && (
        <p role="alert" className="error">
          {errorMessage(saveError)}
        </p>
      )}
      {shown.words.length === 0 ? (
        <p className="muted empty-transcript">{t("transcript.empty")}</p>
      ) : (
        <TranscriptView
          words={shown.words}
          paragraphs={paragraphs}
          speakerName={speakerName}
          speakerSlot={speakerSlot}
          media={media}
          edit={edit}
          label={t("transcript.title")}
        />
      )}
      <ConfirmDialog
        open={confirmRestore}
        title={t("edit.restoreTitle")}
        confirmLabel={t("edit.restoreConfirm")}
        cancelLabel={t("edit.cancel")}
        busy={restore.isPending}
        error={restore.isError ? errorMessage(restore.error) : null}
        onConfirm={() => restore.mutate()}
        onCancel={() => {
          setConfirmRestore(false);
          restore.reset();
        }}
      >
        <p>{t("edit.restoreBody")}</p>
      </ConfirmDialog>
    </section>
  );
}
