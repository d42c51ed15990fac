import { describe, expect, it } from "vitest";

import { describeDuration, formatCreated, formatDuration, languageName, matchesFilename } from "./format";

describe("job list formatting", () => {
  it("formats durations as clock times", () => {
    expect(formatDuration(75.4)).toBe("1:15");
    expect(formatDuration(3725)).toBe("1:02:05");
    expect(formatDuration(null)).toBe("");
    expect(describeDuration(3725, "en")).toBe("1 hour 2 minutes 5 seconds");
  });

  it("says how long ago a job was created, in the interface language", () => {
    const now = Date.parse("2025-03-10T12:00:00Z");
    expect(formatCreated("2025-03-10T11:59:50Z", "en", now)).toBe("now");
    expect(formatCreated("2025-03-10T11:55:00Z", "en", now)).toBe("5 minutes ago");
    expect(formatCreated("2025-03-10T11:55:00Z", "ru", now)).toBe("5 минут назад");
    expect(formatCreated("2025-03-09T12:00:00Z", "en", now)).toBe("yesterday");
    expect(formatCreated("2025-01-01T12:00:00Z", "en", now)).toMatch(/Jan 1, 2025/);
  });

  it("names languages in the interface language", () => {
    expect(languageName("ru", "en")).toBe("Russian");
    expect(languageName("en", "ru")).toBe("Английский");
  });

  it("tells a file name match from a transcript match", () => {
    expect(matchesFilename("Board meeting.mp3", "meeting")).toBe(true);
    expect(matchesFilename("Board meeting.mp3", "budget")).toBe(false);
    expect(matchesFilename("Board meeting.mp3", "budget -meeting")).toBe(false);
  });
});
