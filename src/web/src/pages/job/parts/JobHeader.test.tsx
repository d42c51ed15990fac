import { cleanup, render, screen } from "@testing-library/react";
import i18next from "i18next";
import { MemoryRouter } from "react-router";
import { afterEach, beforeAll, describe, expect, it } from "vitest";

import type { Job } from "../../../api/events";
import { setupI18n } from "../../../i18n";
import { JobHeader } from "./JobHeader";

function completed(overrides: Partial<Job>): Job {
  return {
    id: "0190c0de-0000-7000-8000-000000000001",
    status: "completed",
    language: "auto",
    mode: "mono",
    object_key: "k/talk.wav",
    filename: "talk.wav",
    created_at: "2026-12-03T10:00:00Z",
    updated_at: "2026-12-03T10:01:00Z",
    started_at: "2026-12-03T10:00:01Z",
    completed_at: "2026-12-03T10:01:00Z",
    error_message: null,
    detected_language: "ru",
    language_confidence: null,
    audio_duration_s: 15,
    engine: "local",
    progress: 100,
    speaker_names: {},
    ...overrides,
  };
}

function show(job: Job) {
  render(
    <MemoryRouter>
      <JobHeader job={job} live={false} words={null} />
    </MemoryRouter>,
  );
  return screen.getByText(i18next.t("header.language", { ns: "job" })).nextElementSibling?.textContent;
}

beforeAll(async () => {
  await setupI18n("en");
  await i18next.loadNamespaces("job");
});

afterEach(async () => {
  cleanup();
  await i18next.changeLanguage("en");
});

describe("the detected language on the job page", () => {
  it("warns, in a named note, when the detection is uncertain", () => {
    const language = show(completed({ language_confidence: 0.42 }));
    expect(language).toBe("Russian (detected, 42% sure)");
    const note = screen.getByRole("note", { name: "Language detected: Russian (uncertain, 42%)" });
    expect(note.textContent).toMatch(/upload it again with its language chosen/);
  });

  it("says how sure it is, without a warning, when the detection is confident", () => {
    expect(show(completed({ language_confidence: 0.98 }))).toBe("Russian (detected, 98% sure)");
    expect(screen.queryByRole("note")).toBeNull();
  });

  it("warns from just under one half, not at it", () => {
    show(completed({ language_confidence: 0.499 }));
    expect(screen.getByRole("note", { name: /uncertain, 49%/ })).toBeTruthy(); // rounded down
    cleanup();
    show(completed({ language_confidence: 0.5 }));
    expect(screen.queryByRole("note")).toBeNull();
  });

  it("shows a given language as it is, whatever the engine said", () => {
    expect(show(completed({ language: "ru", language_confidence: 0.1 }))).toBe("Russian");
    expect(screen.queryByRole("note")).toBeNull();
  });

  it("shows a detection without a confidence (older jobs, other engines) as before", () => {
    const { language_confidence: _, ...older } = completed({});
    expect(show(older as Job)).toBe("Russian (detected)");
    expect(screen.queryByRole("note")).toBeNull();
  });

  it("says it in Russian", async () => {
    await i18next.changeLanguage("ru");
    await i18next.loadNamespaces("job");
    show(completed({ language_confidence: 0.42 }));
    expect(screen.getByRole("note", { name: /^Определён язык: русский \(неуверенно, 42\s?%\)$/ })).toBeTruthy();
  });
});
