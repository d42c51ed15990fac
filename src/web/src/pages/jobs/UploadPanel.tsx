/** The upload panel: drop zone and file picker, language, mode, hints, and the uploads. */
import { useEffect, useId, useMemo, useRef, useState, type DragEvent, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import { languageName } from "./format";
import { useEngine } from "./queries";
import {
  acceptFor,
  checkFile,
  checkKeyterms,
  formatBytes,
  loadPrefs,
  parseKeyterms,
  savePrefs,
  usablePrefs,
  type Engine,
  type Mode,
  type Refusal,
} from "./upload";
import { ACTIVE, useUploads, type UploadItem } from "./useUploads";

interface Refused {
  id: number;
  name: string;
  refusal: Refusal;
}

let refusedCounter = 0;

function useRefusalText() {
  const { t, i18n } = useTranslation("jobs");
  return (refusal: Refusal): string => {
    switch (refusal.reason) {
      case "type":
        return t(refusal.allowText ? "upload.refusedTypeText" : "upload.refusedType", { type: refusal.type });
      case "tooLarge":
        return t("upload.refusedSize", { limit: formatBytes(refusal.limit, i18n.language) });
      case "empty":
        return t("upload.refusedEmpty");
    }
  };
}

export function UploadPanel({ headingId }: { headingId: string }) {
  const { t } = useTranslation("jobs");
  const engine = useEngine();
  return (
    <section className="card upload-panel" aria-labelledby={headingId}>
      <h2 id={headingId}>{t("upload.heading")}</h2>
      {engine.isPending && <p className="muted">{t("upload.loadingEngine")}</p>}
      {engine.isError && (
        <div className="stack">
          <p role="alert" className="error">
            {t("upload.engineError", { message: engine.error.message })}
          </p>
          <div>
            <button type="button" className="button small" onClick={() => void engine.refetch()}>
              {t("retry")}
            </button>
          </div>
        </div>
      )}
      {engine.data && <UploadForm engine={engine.data} />}
    </section>
  );
}

function UploadForm({ engine }: { engine: Engine }) {
  const { t, i18n } = useTranslation("jobs");
  const refusalText = useRefusalText();
  const uploads = useUploads();
  const ids = {
    input: useId(),
    language: useId(),
    mode: useId(),
    modeHint: useId(),
    speakers: useId(),
    keyterms: useId(),
    keytermsHint: useId(),
    limit: useId(),
  };
  const inputRef = useRef<HTMLInputElement>(null);
  const dragDepth = useRef(0);
  const [dragging, setDragging] = useState(false);
  const [selected, setSelected] = useState<{ id: number; file: File }[]>([]);
  const [refused, setRefused] = useState<Refused[]>([]);
  const [prefs, setPrefs] = useState(() => usablePrefs(loadPrefs(), engine));
  const [speakers, setSpeakers] = useState("");
  const [keytermText, setKeytermText] = useState("");
  const [formError, setFormError] = useState<string | null>(null);

  const languages = useMemo(
    () =>
      engine.languages
        .filter((code) => code !== "auto")
        .map((code) => ({ code, name: languageName(code, i18n.language) }))
        .sort((a, b) => a.name.localeCompare(b.name, i18n.language)),
    [engine.languages, i18n.language],
  );

  // A file dropped next to the zone must not make the browser open it instead.
  useEffect(() => {
    const stop = (event: globalThis.DragEvent) => {
      if (event.dataTransfer?.types.includes("Files")) event.preventDefault();
    };
    window.addEventListener("dragover", stop);
    window.addEventListener("drop", stop);
    return () => {
      window.removeEventListener("dragover", stop);
      window.removeEventListener("drop", stop);
    };
  }, []);

  function choose(next: Partial<typeof prefs>) {
    const value = { ...prefs, ...next };
    setPrefs(value);
    savePrefs(value);
  }

  function addFiles(files: File[]) {
    const ok: { id: number; file: File }[] = [];
    const bad: Refused[] = [];
    for (const file of files) {
      const refusal = checkFile(file, engine);
      if (refusal) bad.push({ id: ++refusedCounter, name: file.name, refusal });
      else ok.push({ id: ++refusedCounter, file });
    }
    setSelected((all) => [...all, ...ok]);
    setRefused(bad);
    if (ok.length) setFormError(null);
  }

  function onDrag(event: DragEvent<HTMLDivElement>, kind: "enter" | "over" | "leave") {
    event.preventDefault();
    if (kind === "enter") dragDepth.current += 1;
    if (kind === "leave") dragDepth.current = Math.max(0, dragDepth.current - 1);
    if (kind === "over") event.dataTransfer.dropEffect = "copy";
    setDragging(dragDepth.current > 0 || kind === "over");
  }

  function onDrop(event: DragEvent<HTMLDivElement>) {
    event.preventDefault();
    dragDepth.current = 0;
    setDragging(false);
    addFiles(Array.from(event.dataTransfer.files));
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (selected.length === 0) {
      setFormError(t("upload.noFiles"));
      return;
    }
    let speakersExpected: number | null = null;
    if (prefs.mode === "dialogue" && speakers.trim()) {
      speakersExpected = Number(speakers);
      if (!Number.isInteger(speakersExpected) || speakersExpected < 1 || speakersExpected > 10) {
        setFormError(t("upload.speakersInvalid"));
        return;
      }
    }
    const keyterms = parseKeyterms(keytermText);
    const problem = checkKeyterms(keyterms);
    if (problem) {
      setFormError(
        problem.problem === "tooMany"
          ? t("upload.keytermsTooMany", { max: problem.max })
          : problem.problem === "tooLong"
            ? t("upload.keytermsTooLong", { term: problem.term, max: problem.max })
            : t("upload.keytermsTooManyWords", { term: problem.term, max: problem.max }),
      );
      return;
    }
    setFormError(null);
    uploads.add(
      selected.map((entry) => entry.file),
      { language: prefs.language, mode: prefs.mode, speakersExpected, keyterms },
    );
    setSelected([]);
    setRefused([]);
    if (inputRef.current) inputRef.current.value = "";
  }

  const limit = formatBytes(engine.max_upload_bytes, i18n.language);
  const allowText = engine.name === "stub";

  return (
    <>
      <form className="upload-form" onSubmit={submit} noValidate>
        <div
          className={`drop-zone${dragging ? " dragging" : ""}`}
          data-testid="drop-zone"
          onDragEnter={(event) => onDrag(event, "enter")}
          onDragOver={(event) => onDrag(event, "over")}
          onDragLeave={(event) => onDrag(event, "leave")}
          onDrop={onDrop}
        >
          <span className="drop-icon" aria-hidden="true">
            ⇪
          </span>
          <p className="drop-title">
            {dragging ? t("upload.dropActive") : t(allowText ? "upload.dropTitleText" : "upload.dropTitle")}
          </p>
          <input
            ref={inputRef}
            id={ids.input}
            type="file"
            multiple
            accept={acceptFor(engine)}
            className="visually-hidden file-input"
            aria-label={t("upload.mediaFile")}
            aria-describedby={ids.limit}
            onChange={(event) => {
              addFiles(Array.from(event.currentTarget.files ?? []));
              event.currentTarget.value = "";
            }}
          />
          <label htmlFor={ids.input} className="button choose-button">
            {t("upload.choose")}
          </label>
          <p id={ids.limit} className="muted small-text">
            {t("upload.limit", { size: limit })}
          </p>
        </div>

        <div className="upload-options stack">
          {refused.length > 0 && (
            <div role="alert" className="error refused">
              <ul>
                {refused.map((entry) => (
                  <li key={entry.id}>{t("upload.refused", { name: entry.name, reason: refusalText(entry.refusal) })}</li>
                ))}
              </ul>
            </div>
          )}
          {selected.length > 0 && (
            <div>
              <h3 className="small-heading">{t("upload.selected", { count: selected.length })}</h3>
              <ul className="selected-files">
                {selected.map((entry) => (
                  <li key={entry.id}>
                    <span className="file-name">{entry.file.name}</span>
                    <span className="muted">{formatBytes(entry.file.size, i18n.language)}</span>
                    <button
                      type="button"
                      className="button subtle small"
                      onClick={() => setSelected((all) => all.filter((other) => other.id !== entry.id))}
                    >
                      {t("upload.remove")}
                      <span className="visually-hidden"> {entry.file.name}</span>
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          )}
          <div className="option-grid">
            <div className="field">
              <label htmlFor={ids.language}>{t("upload.language")}</label>
              <select
                id={ids.language}
                value={prefs.language}
                onChange={(event) => choose({ language: event.target.value })}
              >
                <option value="auto">{t("upload.autoDetect")}</option>
                {languages.map(({ code, name }) => (
                  <option key={code} value={code}>
                    {name}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={ids.mode}>{t("upload.mode")}</label>
              <select
                id={ids.mode}
                value={prefs.mode}
                aria-describedby={engine.diarization ? undefined : ids.modeHint}
                onChange={(event) => choose({ mode: event.target.value as Mode })}
              >
                <option value="mono">{t("upload.modeMono")}</option>
                <option value="dialogue" disabled={!engine.diarization}>
                  {t("upload.modeDialogue")}
                </option>
              </select>
              {!engine.diarization && (
                <small id={ids.modeHint}>{t("upload.noDiarization", { engine: engine.name })}</small>
              )}
            </div>
            {prefs.mode === "dialogue" && (
              <div className="field">
                <label htmlFor={ids.speakers}>{t("upload.speakers")}</label>
                <input
                  id={ids.speakers}
                  type="number"
                  inputMode="numeric"
                  min={1}
                  max={10}
                  step={1}
                  value={speakers}
                  placeholder={t("upload.speakersPlaceholder")}
                  onChange={(event) => setSpeakers(event.target.value)}
                />
              </div>
            )}
          </div>
          <div className="field">
            <label htmlFor={ids.keyterms}>{t("upload.keyterms")}</label>
            <textarea
              id={ids.keyterms}
              rows={2}
              value={keytermText}
              aria-describedby={ids.keytermsHint}
              onChange={(event) => setKeytermText(event.target.value)}
            />
            <small id={ids.keytermsHint}>{t("upload.keytermsHint")}</small>
          </div>
          {formError && (
            <p role="alert" className="error">
              {formError}
            </p>
          )}
          <div>
            <button type="submit" className="button primary">
              {t("upload.transcribe")}
            </button>
          </div>
        </div>
      </form>
      <UploadList uploads={uploads} />
    </>
  );
}

function UploadList({ uploads }: { uploads: ReturnType<typeof useUploads> }) {
  const { t } = useTranslation("jobs");
  const headingId = useId();
  if (uploads.items.length === 0) return null;
  const finished = uploads.items.some((item) => !ACTIVE.has(item.state));
  return (
    <div className="uploads">
      <div className="row uploads-head">
        <h3 id={headingId} className="small-heading">
          {t("upload.uploads")}
        </h3>
        {finished && (
          <button type="button" className="button subtle small" onClick={uploads.clearFinished}>
            {t("upload.clearFinished")}
          </button>
        )}
      </div>
      <ul className="upload-items" aria-labelledby={headingId}>
        {uploads.items.map((item) => (
          <UploadRow key={item.id} item={item} uploads={uploads} />
        ))}
      </ul>
    </div>
  );
}

function UploadRow({ item, uploads }: { item: UploadItem; uploads: ReturnType<typeof useUploads> }) {
  const { t, i18n } = useTranslation("jobs");
  const name = item.file.name;
  const active = ACTIVE.has(item.state);
  const message =
    item.state === "failed"
      ? item.error ?? (item.errorStatus === null ? t("upload.networkError") : t("upload.unknownError"))
      : null;
  return (
    <li className="upload-item" data-state={item.state}>
      <div className="upload-line">
        <span className="file-name">{name}</span>
        <span className="muted small-text">{formatBytes(item.file.size, i18n.language)}</span>
      </div>
      <div
        className="bar"
        role="progressbar"
        aria-label={t("upload.progressLabel", { name })}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={item.progress}
      >
        <div className="bar-fill" style={{ width: `${item.progress}%` }} />
      </div>
      <div className="upload-line">
        {item.state === "failed" ? (
          <p role="alert" className="error upload-error">
            {t("upload.failed", { name, message })}
          </p>
        ) : (
          <p className="muted small-text upload-status" aria-live="polite">
            {t(`upload.state.${item.state}`, { percent: item.progress })}
            {item.state === "done" && item.jobId && (
              <>
                {" "}
                <Link to={`/app/jobs/${item.jobId}`}>
                  {t("upload.openJob")}
                  <span className="visually-hidden"> {name}</span>
                </Link>
              </>
            )}
          </p>
        )}
        <span className="upload-actions">
          {active && (
            <button type="button" className="button subtle small" onClick={() => uploads.cancel(item.id)}>
              {t("upload.cancel")}
              <span className="visually-hidden"> {name}</span>
            </button>
          )}
          {(item.state === "failed" || item.state === "cancelled") && (
            <button type="button" className="button small" onClick={() => uploads.retry(item.id)}>
              {t("upload.retry")}
              <span className="visually-hidden"> {name}</span>
            </button>
          )}
          {!active && (
            <button type="button" className="button subtle small" onClick={() => uploads.dismiss(item.id)}>
              {t("upload.dismiss")}
              <span className="visually-hidden"> {name}</span>
            </button>
          )}
        </span>
      </div>
    </li>
  );
}
