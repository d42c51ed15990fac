/**
 * The transcript's own logic, apart from React: words in paragraphs (what the list
 * virtualises), the word playing at a time (a binary search), and the edits a changed
 * paragraph makes (`PATCH /jobs/{id}/transcript`).
 */

export interface Word {
  text: string;
  start_ms: number | null;
  end_ms: number | null;
  confidence: number | null;
  speaker: string | null;
}

export interface Utterance {
  speaker: string;
  speaker_name: string | null;
  start_ms: number | null;
  end_ms: number | null;
  text: string;
}

/** `GET /jobs/{id}/transcript` (and a share link's `transcript`). */
export interface TranscriptDoc {
  text: string;
  language?: string | null;
  audio_duration_s?: number | null;
  /** 0 as recognised, one more with each edit. */
  revision?: number;
  utterances: Utterance[];
  words: Word[];
}

/** A run of words shown (and edited) together: `words[start:end]`. */
export interface Paragraph {
  start: number;
  end: number;
  /** The speaker label in dialogue mode, else null. */
  speaker: string | null;
  /** A new speaker turn begins here (false for the later parts of a long turn). */
  turn: boolean;
  startMs: number | null;
}

/** A paragraph is cut after a sentence once it has this many words... */
export const SOFT_WORDS = 40;
/** ...and after this many words whatever ends them. */
export const HARD_WORDS = 80;
/** A silence this long starts a paragraph. */
export const PAUSE_MS = 2_000;

const SENTENCE_END = /[.!?…]["»”')\]]*$/;

/**
 * Paragraphs of the words: in dialogue mode one a speaker turn (long turns cut as in mono),
 * in mono mode about `SOFT_WORDS` words, cut at sentence ends and long pauses.
 */
export function buildParagraphs(words: readonly Word[], dialogue: boolean): Paragraph[] {
  const paragraphs: Paragraph[] = [];
  let start = 0;
  let lastEnd: number | null = null;
  const close = (end: number, turn: boolean) => {
    if (end <= start) return;
    const first = words[start];
    paragraphs.push({
      start,
      end,
      speaker: dialogue ? (first?.speaker ?? "A") : null,
      turn,
      startMs: first?.start_ms ?? null,
    });
    start = end;
  };
  let turnStart = true;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (i > start) {
      const previous = words[i - 1]!;
      const count = i - start;
      const speakerChange = dialogue && (word.speaker ?? "A") !== (previous.speaker ?? "A");
      const pause =
        word.start_ms !== null && lastEnd !== null && word.start_ms - lastEnd >= PAUSE_MS;
      const sentence = count >= SOFT_WORDS && SENTENCE_END.test(previous.text);
      if (speakerChange || pause || sentence || count >= HARD_WORDS) {
        close(i, turnStart);
        turnStart = speakerChange || !dialogue;
      }
    }
    if (word.end_ms !== null) lastEnd = word.end_ms;
    else if (word.start_ms !== null) lastEnd = word.start_ms;
  }
  close(words.length, turnStart);
  return paragraphs;
}

/**
 * Start times to search: each word's start, or the previous word's when it has none (so the
 * array is sorted as long as the engine's times are).
 */
export function startTimes(words: readonly Word[]): Float64Array {
  const starts = new Float64Array(words.length);
  let last = -Infinity;
  for (let i = 0; i < words.length; i++) {
    const start = words[i]!.start_ms;
    if (start !== null && start >= last) last = start;
    starts[i] = last;
  }
  return starts;
}

/** The index of the word playing at `ms`: the last one starting at or before it; -1 before the first. */
export function wordAt(starts: Float64Array, ms: number): number {
  let low = 0;
  let high = starts.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (starts[mid]! <= ms) {
      found = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return found;
}

/** The index of the paragraph holding word `index` (paragraphs are in order and cover all words). */
export function paragraphOf(paragraphs: readonly Paragraph[], index: number): number {
  let low = 0;
  let high = paragraphs.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const paragraph = paragraphs[mid]!;
    if (index < paragraph.start) high = mid - 1;
    else if (index >= paragraph.end) low = mid + 1;
    else return mid;
  }
  return -1;
}

/** The text of a paragraph as the editor shows it. */
export function paragraphText(words: readonly Word[], paragraph: Paragraph): string {
  return words
    .slice(paragraph.start, paragraph.end)
    .map((word) => word.text)
    .join(" ");
}

export function tokens(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

export interface Edit {
  start: number;
  end: number;
  text: string;
}

/**
 * The edits that turn each changed paragraph's words into its new text: one a paragraph,
 * narrowed to the words between its unchanged beginning and end (the API keeps the timings
 * of the words an edit keeps anyway; a narrow range keeps them for certain). Paragraphs
 * whose words did not change give none.
 */
export function editsFor(
  words: readonly Word[],
  paragraphs: readonly Paragraph[],
  drafts: ReadonlyMap<number, string>,
): Edit[] {
  const edits: Edit[] = [];
  const order = [...drafts.keys()].sort((a, b) => a - b);
  for (const index of order) {
    const paragraph = paragraphs[index];
    if (!paragraph) continue;
    const before = words.slice(paragraph.start, paragraph.end).map((word) => word.text);
    const after = tokens(drafts.get(index) ?? "");
    let head = 0;
    while (head < before.length && head < after.length && before[head] === after[head]) head++;
    let tail = 0;
    while (
      tail < before.length - head &&
      tail < after.length - head &&
      before[before.length - 1 - tail] === after[after.length - 1 - tail]
    ) {
      tail++;
    }
    if (head === before.length && head === after.length) continue; // unchanged
    edits.push({
      start: paragraph.start + head,
      end: paragraph.end - tail,
      text: after.slice(head, after.length - tail).join(" "),
    });
  }
  return edits;
}

/** Speaker labels in order of first appearance (words first, then utterances). */
export function speakerLabels(doc: Pick<TranscriptDoc, "words" | "utterances">): string[] {
  const seen = new Set<string>();
  for (const word of doc.words) if (word.speaker) seen.add(word.speaker);
  for (const utterance of doc.utterances) if (utterance.speaker) seen.add(utterance.speaker);
  return [...seen];
}

/** `1:02:03` or `2:03` for a number of seconds. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, "0") : String(m);
  return `${h > 0 ? `${h}:` : ""}${mm}:${String(s).padStart(2, "0")}`;
}

/** Words below this confidence are underlined. */
export const LOW_CONFIDENCE = 0.6;

export const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2] as const;

/** The next speed up (+1) or down (-1) from `rate`, staying within SPEEDS. */
export function stepSpeed(rate: number, direction: 1 | -1): number {
  if (direction > 0) return SPEEDS.find((speed) => speed > rate + 1e-9) ?? SPEEDS[SPEEDS.length - 1]!;
  return [...SPEEDS].reverse().find((speed) => speed < rate - 1e-9) ?? SPEEDS[0]!;
}
