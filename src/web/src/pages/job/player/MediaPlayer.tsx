/**
 * The recording's player: `<video>` for video uploads, `<audio>` otherwise, native controls,
 * a Speed combobox and keyboard shortcuts (listed in a small help). Its source is set by hand,
 * not as a React prop, so that a fresh signed URL (before the old one expires) keeps the
 * position, the speed and whether it was playing.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import { SPEEDS } from "../transcript/model";
import { runShortcut, shortcutFor } from "./shortcuts";

export interface MediaSource {
  url: string;
  contentType: string;
}

interface Props {
  source: MediaSource;
  /** The media element once it is there (and null when it goes). */
  onMedia: (media: HTMLMediaElement | null) => void;
  /** The URL failed (expired, most likely): get a fresh one. */
  onBroken?: () => void;
  title: string;
}

const VIDEO_EXTENSIONS = /\.(mp4|m4v|mov|webm|mkv|ogv|avi)$/i;

/** A share link gives no content type: guess it from the file name. */
export function guessContentType(filename: string): string {
  return VIDEO_EXTENSIONS.test(filename) ? "video/*" : "audio/*";
}

export function MediaPlayer({ source, onMedia, onBroken, title }: Props) {
  const { t } = useTranslation("job");
  const [media, setMedia] = useState<HTMLMediaElement | null>(null);
  const [rate, setRate] = useState(1);
  const brokenAt = useRef(0);
  const isVideo = source.contentType.startsWith("video/");

  const ref = useCallback(
    (element: HTMLMediaElement | null) => {
      setMedia(element);
      onMedia(element);
    },
    [onMedia],
  );

  // A new URL: keep position, speed and playing state across the swap.
  useEffect(() => {
    if (!media) return;
    if (!media.getAttribute("src")) {
      media.src = source.url;
      return;
    }
    if (media.getAttribute("src") === source.url) return;
    const at = media.currentTime;
    const playing = !media.paused;
    const speed = media.playbackRate;
    media.src = source.url;
    const restore = () => {
      media.currentTime = at;
      media.defaultPlaybackRate = speed;
      media.playbackRate = speed;
      if (playing) void media.play().catch(() => undefined);
    };
    media.addEventListener("loadedmetadata", restore, { once: true });
    return () => media.removeEventListener("loadedmetadata", restore);
  }, [media, source.url]);

  useEffect(() => {
    if (!media) return;
    const onRate = () => setRate(media.playbackRate);
    const onError = () => {
      // At most once a minute, so a file the browser cannot play does not loop.
      if (Date.now() - brokenAt.current < 60_000) return;
      brokenAt.current = Date.now();
      onBroken?.();
    };
    media.addEventListener("ratechange", onRate);
    media.addEventListener("error", onError);
    return () => {
      media.removeEventListener("ratechange", onRate);
      media.removeEventListener("error", onError);
    };
  }, [media, onBroken]);

  useEffect(() => {
    if (!media) return;
    const onKey = (event: KeyboardEvent) => {
      const action = shortcutFor(event);
      if (!action) return;
      event.preventDefault();
      runShortcut(media, action);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [media]);

  const changeSpeed = (value: number) => {
    setRate(value);
    if (media) {
      media.defaultPlaybackRate = value;
      media.playbackRate = value;
    }
  };

  return (
    <div className="player">
      {isVideo ? (
        <video ref={ref} controls preload="metadata" playsInline className="player-media" aria-label={title} />
      ) : (
        <audio ref={ref} controls preload="metadata" className="player-media" aria-label={title} />
      )}
      <div className="player-tools">
        <label className="player-speed">
          <span>{t("player.speed")}</span>
          <select value={String(rate)} onChange={(event) => changeSpeed(Number(event.target.value))}>
            {SPEEDS.map((speed) => (
              <option key={speed} value={String(speed)}>
                {`${speed}×`}
              </option>
            ))}
          </select>
        </label>
        <details className="shortcuts">
          <summary>{t("player.shortcuts")}</summary>
          <dl>
            <dt>
              <kbd>{t("player.keySpace")}</kbd> / <kbd>k</kbd>
            </dt>
            <dd>{t("player.playPause")}</dd>
            <dt>
              <kbd>j</kbd> / <kbd>←</kbd>
            </dt>
            <dd>{t("player.back")}</dd>
            <dt>
              <kbd>l</kbd> / <kbd>→</kbd>
            </dt>
            <dd>{t("player.forward")}</dd>
            <dt>
              <kbd>&lt;</kbd> / <kbd>&gt;</kbd>
            </dt>
            <dd>{t("player.slowerFaster")}</dd>
            <dt>
              <kbd>←</kbd> <kbd>→</kbd> <kbd>{t("player.keyEnter")}</kbd>
            </dt>
            <dd>{t("player.inTranscript")}</dd>
          </dl>
          <p className="muted">{t("player.notWhileTyping")}</p>
        </details>
      </div>
    </div>
  );
}
