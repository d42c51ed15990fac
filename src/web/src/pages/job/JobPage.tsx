/**
 * `/app/jobs/{id}`: one job. Its status live while it runs (the job's event stream, polling
 * while the stream is down); once completed, the recording's player beside the transcript
 * synced to it, the speakers, editing, downloads and the share link.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";

import { ApiError, errorMessage } from "../../api/client";
import { useJobEvents, type Job } from "../../api/events";
import { FINAL, jobKey, useJob, useMedia, useTranscript } from "./jobApi";
import { Downloads } from "./parts/Downloads";
import { JobHeader } from "./parts/JobHeader";
import { SharePanel } from "./parts/SharePanel";
import { SpeakersPanel } from "./parts/SpeakersPanel";
import { useSpeakers } from "./parts/speakers";
import { TranscriptSection } from "./parts/TranscriptSection";
import { MediaPlayer } from "./player/MediaPlayer";
import { speakerLabels } from "./transcript/model";
import "./job.css";

const POLL_MS = 3_000;
/** Get a fresh signed media URL this long before the current one expires. */
const REFRESH_EARLY_MS = 60_000;

export default function JobPage() {
  const { jobId = "" } = useParams();
  const { t } = useTranslation("job");
  const client = useQueryClient();
  const [media, setMedia] = useState<HTMLMediaElement | null>(null);

  const [live, setLive] = useState(false);
  const job = useJob(jobId, live ? false : POLL_MS);
  const status = job.data?.status;
  const unfinished = status !== undefined && !FINAL.has(status);
  const onJob = useCallback((next: Job) => client.setQueryData(jobKey(jobId), next), [client, jobId]);
  const onReconnect = useCallback(() => void client.invalidateQueries({ queryKey: jobKey(jobId) }), [client, jobId]);
  const events = useJobEvents(unfinished ? `/jobs/${jobId}/events` : null, onJob, onReconnect);
  useEffect(() => setLive(events.live), [events.live]);

  const completed = status === "completed";
  const transcript = useTranscript(jobId, completed);
  const mediaLink = useMedia(jobId, completed);
  const mediaGone = mediaLink.error instanceof ApiError && mediaLink.error.status === 410;

  // A fresh signed URL shortly before the current one expires (the player keeps its place).
  const refetchMedia = mediaLink.refetch;
  useEffect(() => {
    if (!mediaLink.data) return;
    const wait = Date.parse(mediaLink.data.expires_at) - Date.now() - REFRESH_EARLY_MS;
    const timer = setTimeout(() => void refetchMedia(), Math.min(Math.max(wait, 5_000), 2 ** 31 - 1));
    return () => clearTimeout(timer);
  }, [mediaLink.data, refetchMedia]);
  const onBroken = useCallback(() => void refetchMedia(), [refetchMedia]);

  const doc = transcript.data;
  const labels = useMemo(() => (doc && job.data?.mode === "dialogue" ? speakerLabels(doc) : []), [doc, job.data?.mode]);
  const { speakerName, speakerSlot } = useSpeakers(labels, job.data?.speaker_names);

  useEffect(() => {
    if (job.data) document.title = `${job.data.filename} · Transcribe`;
    return () => {
      document.title = "Transcribe";
    };
  }, [job.data]);

  if (job.isPending) {
    return (
      <p className="muted" aria-busy="true">
        {t("loading")}
      </p>
    );
  }
  if (job.isError) {
    const missing = job.error instanceof ApiError && job.error.status === 404;
    return (
      <section className="card job-missing">
        <h1>{missing ? t("missing.title") : t("missing.errorTitle")}</h1>
        <p role="alert" className={missing ? "muted" : "error"}>
          {missing ? t("missing.body") : errorMessage(job.error)}
        </p>
        <Link to="/app" className="button">
          {t("header.back")}
        </Link>
      </section>
    );
  }

  const data = job.data;
  return (
    <div className="job-page">
      <JobHeader job={data} live={events.live} words={doc ? doc.words.length : null} />
      {completed && (
        <div className="job-grid">
          <div className="job-main">
            <section className="card player-card" aria-label={t("player.title")}>
              {mediaLink.data ? (
                <MediaPlayer
                  source={{ url: mediaLink.data.url, contentType: mediaLink.data.content_type }}
                  onMedia={setMedia}
                  onBroken={onBroken}
                  title={t("player.recording", { name: data.filename })}
                />
              ) : mediaGone ? (
                <p className="notice">{t("player.gone")}</p>
              ) : mediaLink.isError ? (
                <p role="alert" className="error">
                  {errorMessage(mediaLink.error)}
                </p>
              ) : (
                <p className="muted player-placeholder">{t("player.loading")}</p>
              )}
            </section>
            {doc ? (
              <TranscriptSection
                jobId={jobId}
                doc={doc}
                dialogue={data.mode === "dialogue"}
                media={mediaGone ? null : media}
                speakerName={speakerName}
                speakerSlot={speakerSlot}
              />
            ) : transcript.isError ? (
              <p role="alert" className="error">
                {errorMessage(transcript.error)}
              </p>
            ) : (
              <section className="card transcript-card">
                <p className="muted">{t("transcript.loading")}</p>
              </section>
            )}
          </div>
          <aside className="job-side" aria-label={t("side")}>
            {labels.length > 0 && (
              <SpeakersPanel jobId={jobId} labels={labels} speakerName={speakerName} speakerSlot={speakerSlot} />
            )}
            <Downloads jobId={jobId} />
            <SharePanel jobId={jobId} />
          </aside>
        </div>
      )}
    </div>
  );
}
