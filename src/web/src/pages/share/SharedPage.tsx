/**
 * `/s/{token}`: a shared transcript, no account needed. The same player and synced transcript
 * as the job page (speed, click-to-seek, highlight), read-only.
 */
import { useQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useParams } from "react-router";

import { ApiError, errorMessage } from "../../api/client";
import { sharedView } from "../job/jobApi";
import { formatDuration, languageName } from "../job/parts/format";
import { useSpeakers } from "../job/parts/speakers";
import { guessContentType, MediaPlayer } from "../job/player/MediaPlayer";
import { buildParagraphs, speakerLabels } from "../job/transcript/model";
import { TranscriptView } from "../job/transcript/TranscriptView";
import "../job/job.css";

export default function SharedPage() {
  const { token = "" } = useParams();
  const { t, i18n } = useTranslation("job");
  const [media, setMedia] = useState<HTMLMediaElement | null>(null);
  const view = useQuery({
    queryKey: ["shared", token],
    staleTime: Infinity,
    refetchOnWindowFocus: false,
    queryFn: ({ signal }) => sharedView(token, signal),
  });
  const refetch = view.refetch;
  const onBroken = useCallback(() => void refetch(), [refetch]);

  const data = view.data;
  const dialogue = data?.job.mode === "dialogue";
  const words = data?.transcript.words;
  const paragraphs = useMemo(() => (words ? buildParagraphs(words, dialogue) : []), [words, dialogue]);
  const labels = useMemo(() => (data && dialogue ? speakerLabels(data.transcript) : []), [data, dialogue]);
  const { speakerName, speakerSlot } = useSpeakers(labels, data?.job.speaker_names);

  useEffect(() => {
    if (data) document.title = `${data.job.filename} · Transcribe`;
    return () => {
      document.title = "Transcribe";
    };
  }, [data]);

  if (view.isPending) {
    return (
      <p className="muted" aria-busy="true">
        {t("loading")}
      </p>
    );
  }
  if (view.isError) {
    const missing = view.error instanceof ApiError && view.error.status === 404;
    return (
      <section className="card job-missing">
        <h1>{missing ? t("shared.missingTitle") : t("missing.errorTitle")}</h1>
        <p role="alert" className={missing ? "muted" : "error"}>
          {missing ? t("shared.missing") : errorMessage(view.error)}
        </p>
      </section>
    );
  }

  const { job, transcript, media_url: mediaUrl, media_content_type: mediaType } = view.data;
  const ui = i18n.resolvedLanguage ?? "en";
  return (
    <div className="job-page shared-page">
      <header className="job-header card">
        <p className="muted small-print">{t("shared.kicker")}</p>
        <h1 className="job-title">{job.filename}</h1>
        <dl className="job-meta">
          <div>
            <dt>{t("header.language")}</dt>
            <dd>{languageName(transcript.language ?? job.language, ui)}</dd>
          </div>
          {job.audio_duration_s != null && (
            <div>
              <dt>{t("header.duration")}</dt>
              <dd>{formatDuration(job.audio_duration_s)}</dd>
            </div>
          )}
          <div>
            <dt>{t("header.mode")}</dt>
            <dd>{t(`mode.${job.mode}`)}</dd>
          </div>
          <div>
            <dt>{t("header.length")}</dt>
            <dd>{t("header.words", { count: transcript.words.length })}</dd>
          </div>
        </dl>
      </header>
      <div className="job-main">
        <section className="card player-card" aria-label={t("player.title")}>
          {mediaUrl ? (
            <MediaPlayer
              source={{ url: mediaUrl, contentType: mediaType ?? guessContentType(job.filename) }}
              onMedia={setMedia}
              onBroken={onBroken}
              title={t("player.recording", { name: job.filename })}
            />
          ) : (
            <p className="notice">{t("player.gone")}</p>
          )}
        </section>
        <section className="card transcript-card">
          <div className="transcript-toolbar">
            <h2 id="transcript-title">{t("transcript.title")}</h2>
          </div>
          {transcript.words.length === 0 ? (
            <p className="muted empty-transcript">{t("transcript.empty")}</p>
          ) : (
            <TranscriptView
              words={transcript.words}
              paragraphs={paragraphs}
              speakerName={speakerName}
              speakerSlot={speakerSlot}
              media={mediaUrl ? media : null}
              label={t("transcript.title")}
            />
          )}
        </section>
      </div>
    </div>
  );
}
