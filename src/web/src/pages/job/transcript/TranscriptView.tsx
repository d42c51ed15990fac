/**
 * The transcript, synced to the player: paragraphs virtualised (only those near the screen are
 * in the DOM, so a 3-hour recording's 30,000 words open at once), every word a span with its
 * times, one click handler for all of them (a click seeks the player), and the word playing
 * marked `aria-current` by touching just the old and the new word's elements (no React render
 * per frame). While playing, the current word is kept in view unless the user scrolled
 * themselves in the last few seconds. In edit mode every paragraph is a text area.
 */
import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, useCallback, useEffect, useId, useLayoutEffect, useMemo, useRef, type KeyboardEvent, type MouseEvent } from "react";
import { useTranslation } from "react-i18next";

import {
  LOW_CONFIDENCE,
  paragraphOf,
  paragraphText,
  startTimes,
  wordAt,
  type Paragraph,
  type Word,
} from "./model";

/** After the user scrolls the transcript, following the playing word waits this long. */
const USER_SCROLL_PAUSE_MS = 4_000;
const WORD = "[data-i]";

export interface EditState {
  /** Paragraph index to its edited text, for the paragraphs the user changed. */
  drafts: Map<number, string>;
  onDraft: (paragraph: number, text: string) => void;
}

interface Props {
  words: readonly Word[];
  paragraphs: readonly Paragraph[];
  /** Shown in each turn's header (dialogue mode). */
  speakerName: (label: string) => string;
  /** A stable colour slot per speaker label. */
  speakerSlot: (label: string) => number;
  media: HTMLMediaElement | null;
  edit?: EditState | null;
  label: string;
}

interface ParagraphProps {
  index: number;
  paragraph: Paragraph;
  words: readonly Word[];
  speaker: string | null;
  slot: number;
  editing: boolean;
  draft: string | undefined;
  onDraft?: (paragraph: number, text: string) => void;
  editLabel: string;
}

function fitHeight(area: HTMLTextAreaElement) {
  area.style.height = "auto";
  area.style.height = `${area.scrollHeight + 2}px`;
}

const ParagraphView = memo(function ParagraphView({
  index,
  paragraph,
  words,
  speaker,
  slot,
  editing,
  draft,
  onDraft,
  editLabel,
}: ParagraphProps) {
  const original = useMemo(() => paragraphText(words, paragraph), [words, paragraph]);
  const header =
    speaker !== null && paragraph.turn ? (
      <p className={`turn-header speaker-slot-${slot}`}>
        <span className="turn-speaker">{speaker}</span>
        {paragraph.startMs !== null && <span className="turn-time muted">{clock(paragraph.startMs)}</span>}
      </p>
    ) : null;
  if (editing) {
    return (
      <div className={`paragraph editing${speaker !== null ? ` speaker-slot-${slot}` : ""}`}>
        {header}
        <textarea
          className="paragraph-editor"
          aria-label={editLabel}
          defaultValue={draft ?? original}
          rows={Math.max(2, Math.ceil(original.length / 70))}
          ref={(area) => {
            if (area) fitHeight(area);
          }}
          onInput={(event) => fitHeight(event.currentTarget)}
          onChange={(event) => onDraft?.(index, event.target.value)}
        />
      </div>
    );
  }
  const spans = [];
  for (let i = paragraph.start; i < paragraph.end; i++) {
    const word = words[i]!;
    const low = word.confidence !== null && word.confidence < LOW_CONFIDENCE;
    spans.push(
      <span
        key={i}
        data-i={i}
        data-start-ms={word.start_ms ?? undefined}
        data-end-ms={word.end_ms ?? undefined}
        className={low ? "word low-confidence" : "word"}
        tabIndex={-1}
      >
        {word.text}
      </span>,
      " ",
    );
  }
  return (
    <div className={`paragraph${speaker !== null ? ` turn speaker-slot-${slot}` : ""}`}>
      {header}
      <p className="paragraph-text">{spans}</p>
    </div>
  );
});

function clock(ms: number): string {
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

export function TranscriptView({ words, paragraphs, speakerName, speakerSlot, media, edit, label }: Props) {
  const { t } = useTranslation("job");
  const scrollRef = useRef<HTMLDivElement | null>(null);
  const current = useRef(-1);
  const userScrolledAt = useRef(0);
  const starts = useMemo(() => startTimes(words), [words]);
  const editing = Boolean(edit);
  const editingRef = useRef(editing);
  editingRef.current = editing;

  const virtualizer = useVirtualizer({
    count: paragraphs.length,
    getScrollElement: () => scrollRef.current,
    // About 9 words a line of ~600 px, 26 px a line, plus the turn header and spacing.
    estimateSize: (index) => {
      const paragraph = paragraphs[index]!;
      const lines = Math.ceil((paragraph.end - paragraph.start) / 9);
      return lines * 27 + (paragraph.turn && paragraph.speaker !== null ? 34 : 0) + 16;
    },
    overscan: 4,
    getItemKey: (index) => paragraphs[index]!.start,
  });

  const wordElement = useCallback(
    (index: number) => scrollRef.current?.querySelector<HTMLElement>(`[data-i="${index}"]`) ?? null,
    [],
  );

  /** Keeps word `index` in view: scrolls the list only when it left the visible area. */
  const follow = useCallback(
    (index: number) => {
      const box = scrollRef.current;
      if (!box || index < 0) return;
      if (Date.now() - userScrolledAt.current < USER_SCROLL_PAUSE_MS) return;
      const element = wordElement(index);
      if (!element) {
        const paragraph = paragraphOf(paragraphs, index);
        if (paragraph >= 0) virtualizer.scrollToIndex(paragraph, { align: "start" });
        return;
      }
      const outer = box.getBoundingClientRect();
      const inner = element.getBoundingClientRect();
      if (inner.top >= outer.top + 8 && inner.bottom <= outer.bottom - 8) return;
      box.scrollTop += inner.top - outer.top - outer.height / 3;
    },
    [paragraphs, virtualizer, wordElement],
  );

  /** Marks word `index` as the one playing: only the old and the new element change. */
  const mark = useCallback(
    (index: number, keepInView: boolean) => {
      if (index !== current.current) {
        const previous = wordElement(current.current);
        previous?.removeAttribute("aria-current");
        current.current = index;
        wordElement(index)?.setAttribute("aria-current", "true");
      }
      if (keepInView) follow(index);
    },
    [follow, wordElement],
  );

  // Newly rendered paragraphs get the mark too (React does not manage that attribute).
  useLayoutEffect(() => {
    if (current.current < 0) return;
    const element = wordElement(current.current);
    if (element && !element.hasAttribute("aria-current")) element.setAttribute("aria-current", "true");
  });

  // Follow the player: every frame while it plays, and on seeks while paused.
  useEffect(() => {
    if (!media) return;
    let frame = 0;
    // While editing, the list stays where the user put it.
    const update = () => mark(wordAt(starts, media.currentTime * 1000), !editingRef.current);
    const loop = () => {
      update();
      frame = requestAnimationFrame(loop);
    };
    const onPlay = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(loop);
    };
    const onStop = () => {
      cancelAnimationFrame(frame);
      update();
    };
    media.addEventListener("playing", onPlay);
    media.addEventListener("play", onPlay);
    media.addEventListener("pause", onStop);
    media.addEventListener("ended", onStop);
    media.addEventListener("seeked", update);
    if (!media.paused) onPlay();
    else if (media.currentTime > 0) update();
    return () => {
      cancelAnimationFrame(frame);
      media.removeEventListener("playing", onPlay);
      media.removeEventListener("play", onPlay);
      media.removeEventListener("pause", onStop);
      media.removeEventListener("ended", onStop);
      media.removeEventListener("seeked", update);
    };
  }, [media, starts, mark]);

  // The user's own scrolling pauses following for a few seconds.
  useEffect(() => {
    const box = scrollRef.current;
    if (!box) return;
    const touched = () => {
      userScrolledAt.current = Date.now();
    };
    const onPointer = (event: PointerEvent) => {
      if (event.target === box) touched(); // the scrollbar
    };
    const onKey = (event: globalThis.KeyboardEvent) => {
      if (["PageUp", "PageDown", "Home", "End", "ArrowUp", "ArrowDown"].includes(event.key)) touched();
    };
    box.addEventListener("wheel", touched, { passive: true });
    box.addEventListener("touchmove", touched, { passive: true });
    box.addEventListener("pointerdown", onPointer);
    box.addEventListener("keydown", onKey);
    return () => {
      box.removeEventListener("wheel", touched);
      box.removeEventListener("touchmove", touched);
      box.removeEventListener("pointerdown", onPointer);
      box.removeEventListener("keydown", onKey);
    };
  }, []);

  const seekTo = useCallback(
    (element: HTMLElement) => {
      const start = Number(element.dataset.startMs);
      if (!media || !Number.isFinite(start)) return;
      media.currentTime = start / 1000; // keeps playing if it was
      userScrolledAt.current = 0;
      mark(Number(element.dataset.i), false);
    },
    [media, mark],
  );

  const onClick = (event: MouseEvent<HTMLDivElement>) => {
    if (editing) return;
    const word = (event.target as HTMLElement).closest<HTMLElement>(WORD);
    if (word) seekTo(word);
  };

  /** ← → move between words, Enter plays from the focused one, Home/End jump. */
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (editing || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target as HTMLElement;
    const focused = target.matches(WORD) ? target : null;
    if (event.key === "Enter" && focused) {
      event.preventDefault();
      seekTo(focused);
      return;
    }
    if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
    event.preventDefault(); // the player's own ←/→ stay out of the transcript
    let index: number;
    if (focused) index = Number(focused.dataset.i) + (event.key === "ArrowRight" ? 1 : -1);
    else if (current.current >= 0) index = current.current;
    else {
      const first = scrollRef.current?.querySelector<HTMLElement>(WORD);
      const firstVisible = [...(scrollRef.current?.querySelectorAll<HTMLElement>(WORD) ?? [])].find(
        (element) => element.getBoundingClientRect().top >= (scrollRef.current?.getBoundingClientRect().top ?? 0),
      );
      index = Number((firstVisible ?? first)?.dataset.i ?? 0);
    }
    index = Math.min(Math.max(index, 0), words.length - 1);
    const element = wordElement(index);
    if (element) {
      element.focus();
      return;
    }
    const paragraph = paragraphOf(paragraphs, index);
    if (paragraph < 0) return;
    virtualizer.scrollToIndex(paragraph, { align: "center" });
    requestAnimationFrame(() => wordElement(index)?.focus());
  };

  const items = virtualizer.getVirtualItems();
  const hintId = useId();

  return (
    <>
      <p id={hintId} className="visually-hidden">
        {editing ? t("transcript.editHint") : t("transcript.keyboardHint")}
      </p>
      <div
        ref={scrollRef}
        className="transcript-scroll"
        role="region"
        aria-label={label}
        aria-describedby={hintId}
        tabIndex={0}
        onClick={onClick}
        onKeyDown={onKeyDown}
      >
        <div className="transcript-sizer" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const paragraph = paragraphs[item.index]!;
            const speaker = paragraph.speaker !== null ? speakerName(paragraph.speaker) : null;
            return (
              <div
                key={item.key}
                data-index={item.index}
                ref={virtualizer.measureElement}
                className="transcript-row"
                style={{ transform: `translateY(${item.start}px)` }}
              >
                <ParagraphView
                  index={item.index}
                  paragraph={paragraph}
                  words={words}
                  speaker={speaker}
                  slot={paragraph.speaker !== null ? speakerSlot(paragraph.speaker) : 0}
                  editing={editing}
                  draft={edit?.drafts.get(item.index)}
                  onDraft={edit?.onDraft}
                  editLabel={
                    speaker !== null
                      ? t("transcript.paragraphOf", { n: item.index + 1, speaker })
                      : t("transcript.paragraph", { n: item.index + 1 })
                  }
                />
              </div>
            );
          })}
        </div>
      </div>
    </>
  );
}
