import { describe, expect, it } from "vitest";

import {
  buildParagraphs,
  editsFor,
  formatDuration,
  HARD_WORDS,
  paragraphOf,
  paragraphText,
  speakerLabels,
  startTimes,
  stepSpeed,
  wordAt,
  type Word,
} from "./model";

function words(texts: string[], speaker: string | null = null, from = 0, step = 500): Word[] {
  return texts.map((text, i) => ({
    text,
    start_ms: from + i * step,
    end_ms: from + i * step + step - 100,
    confidence: 1,
    speaker,
  }));
}

describe("buildParagraphs", () => {
  it("makes one paragraph a speaker turn in dialogue mode", () => {
    const all = [...words(["Hi", "there."], "A"), ...words(["Hello."], "B", 1000), ...words(["Bye."], "A", 1500)];
    const paragraphs = buildParagraphs(all, true);
    expect(paragraphs.map((p) => [p.start, p.end, p.speaker, p.turn])).toEqual([
      [0, 2, "A", true],
      [2, 3, "B", true],
      [3, 4, "A", true],
    ]);
  });

  it("cuts long mono text at sentence ends and never beyond the hard limit", () => {
    const texts = Array.from({ length: 1000 }, (_, i) => (i % 45 === 44 ? "end." : "word"));
    const paragraphs = buildParagraphs(words(texts, null, 0, 100), false);
    expect(paragraphs[0]!.end).toBe(45);
    for (const p of paragraphs) expect(p.end - p.start).toBeLessThanOrEqual(HARD_WORDS);
    // They cover every word once, in order.
    expect(paragraphs[0]!.start).toBe(0);
    expect(paragraphs.at(-1)!.end).toBe(1000);
    for (let i = 1; i < paragraphs.length; i++) expect(paragraphs[i]!.start).toBe(paragraphs[i - 1]!.end);
  });

  it("starts a paragraph after a long pause, and continues a long turn without a new header", () => {
    const all = [...words(["a", "b"], "A"), ...words(["c"], "A", 10_000)];
    const paragraphs = buildParagraphs(all, true);
    expect(paragraphs.map((p) => [p.start, p.end, p.turn])).toEqual([
      [0, 2, true],
      [2, 3, false],
    ]);
  });

  it("has no paragraphs without words", () => {
    expect(buildParagraphs([], false)).toEqual([]);
  });
});

describe("wordAt", () => {
  const all = words(["a", "b", "c", "d"]); // starts 0, 500, 1000, 1500
  const starts = startTimes(all);

  it("finds the last word started", () => {
    expect(wordAt(starts, -1)).toBe(-1);
    expect(wordAt(starts, 0)).toBe(0);
    expect(wordAt(starts, 499)).toBe(0);
    expect(wordAt(starts, 500)).toBe(1);
    expect(wordAt(starts, 99_999)).toBe(3);
  });

  it("treats words without times as starting with the word before", () => {
    const gaps = startTimes([...words(["a"]), { text: "x", start_ms: null, end_ms: null, confidence: null, speaker: null }, ...words(["b"], null, 900)]);
    expect([...gaps]).toEqual([0, 0, 900]);
    expect(wordAt(gaps, 800)).toBe(1);
  });
});

describe("paragraphOf", () => {
  it("finds the paragraph of a word", () => {
    const paragraphs = buildParagraphs(words(Array.from({ length: 200 }, () => "w")), false);
    for (const index of [0, 79, 80, 150, 199]) {
      const p = paragraphs[paragraphOf(paragraphs, index)]!;
      expect(index).toBeGreaterThanOrEqual(p.start);
      expect(index).toBeLessThan(p.end);
    }
    expect(paragraphOf(paragraphs, 200)).toBe(-1);
  });
});

describe("editsFor", () => {
  const all = [...words(["Hello", "there", "my", "friend."], "A"), ...words(["Bye", "now."], "B", 3000)];
  const paragraphs = buildParagraphs(all, true);

  it("sends one narrow edit a changed paragraph, none for unchanged ones", () => {
    const drafts = new Map([
      [0, "Hello there  my dear friend."],
      [1, "Bye now."],
    ]);
    expect(editsFor(all, paragraphs, drafts)).toEqual([{ start: 3, end: 3, text: "dear" }]);
  });

  it("replaces, deletes and rewrites", () => {
    expect(editsFor(all, paragraphs, new Map([[0, "Hello where my friend."]]))).toEqual([
      { start: 1, end: 2, text: "where" },
    ]);
    expect(editsFor(all, paragraphs, new Map([[1, "now."]]))).toEqual([{ start: 4, end: 5, text: "" }]);
    expect(editsFor(all, paragraphs, new Map([[1, ""]]))).toEqual([{ start: 4, end: 6, text: "" }]);
    expect(editsFor(all, paragraphs, new Map([[0, "Totally new"]]))).toEqual([
      { start: 0, end: 4, text: "Totally new" },
    ]);
  });

  it("keeps the paragraph text round-trip unchanged", () => {
    const drafts = new Map(paragraphs.map((p, i) => [i, paragraphText(all, p)]));
    expect(editsFor(all, paragraphs, drafts)).toEqual([]);
  });

  it("handles repeated words at the seams", () => {
    const same = words(["a", "a", "a"]);
    const ps = buildParagraphs(same, false);
    expect(editsFor(same, ps, new Map([[0, "a a"]]))).toEqual([{ start: 2, end: 3, text: "" }]);
    expect(editsFor(same, ps, new Map([[0, "a a a a"]]))).toEqual([{ start: 3, end: 3, text: "a" }]);
  });
});

describe("helpers", () => {
  it("lists speakers in order of appearance", () => {
    expect(
      speakerLabels({ words: [...words(["x"], "B"), ...words(["y"], "A"), ...words(["z"], "B")], utterances: [] }),
    ).toEqual(["B", "A"]);
  });

  it("formats durations", () => {
    expect(formatDuration(0)).toBe("0:00");
    expect(formatDuration(65)).toBe("1:05");
    expect(formatDuration(3 * 3600 + 2 * 60 + 1)).toBe("3:02:01");
  });

  it("steps speeds within the list", () => {
    expect(stepSpeed(1, 1)).toBe(1.25);
    expect(stepSpeed(1, -1)).toBe(0.75);
    expect(stepSpeed(2, 1)).toBe(2);
    expect(stepSpeed(0.5, -1)).toBe(0.5);
    expect(stepSpeed(1.1, -1)).toBe(1);
  });
});
