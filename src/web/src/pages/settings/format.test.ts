import { describe, expect, it } from "vitest";

import {
  formatDate,
  formatMinutes,
  formatMonth,
  formatNumber,
  minutesOf,
  passwordProblem,
  quotaPercent,
} from "./format";

describe("formatting for the interface language", () => {
  it("formats months of the usage history in each language", () => {
    expect(formatMonth("2025-03-01", "en")).toBe("March 2025");
    expect(formatMonth("2025-03-01", "ru")).toMatch(/^март 2025/);
  });

  it("formats dates and numbers per language", () => {
    expect(formatDate("2025-03-04T10:00:00Z", "en")).toBe("Mar 4, 2025");
    expect(formatDate(null, "en")).toBe("");
    expect(formatNumber(12345, "en")).toBe("12,345");
    expect(formatNumber(12345, "ru")).toBe("12\u00a0345");
  });

  it("shows minutes with a decimal only when short", () => {
    expect(minutesOf(30)).toBe(0.5);
    expect(minutesOf(9 * 60 + 33)).toBe(9.6);
    expect(minutesOf(125 * 60 + 20)).toBe(125);
    expect(formatMinutes(90, "ru")).toBe("1,5");
  });

  it("computes the used share of a quota", () => {
    expect(quotaPercent(30 * 60, 60 * 60)).toBe(50);
    expect(quotaPercent(90 * 60, 60 * 60)).toBe(100);
    expect(quotaPercent(10, null)).toBeNull();
    expect(quotaPercent(0, 0)).toBe(100);
  });

  it("checks the password length the API enforces", () => {
    expect(passwordProblem("short")).toBe("short");
    expect(passwordProblem("long enough")).toBeNull();
    expect(passwordProblem("x".repeat(129))).toBe("long");
    expect(passwordProblem("ё".repeat(8))).toBeNull();
  });
});
