import { describe, expect, it } from "vitest";

import { formatDuration } from "./JobsSection";
import { quotaFromInput } from "./UsersSection";

describe("admin helpers", () => {
  it("reads the quota field: empty is the default, 0 unlimited, junk refused", () => {
    expect(quotaFromInput("")).toBeNull();
    expect(quotaFromInput("  ")).toBeNull();
    expect(quotaFromInput("0")).toBe(0);
    expect(quotaFromInput(" 600 ")).toBe(600);
    expect(quotaFromInput("-5")).toBe("invalid");
    expect(quotaFromInput("1.5")).toBe("invalid");
    expect(quotaFromInput("99999999")).toBe("invalid");
  });

  it("shows a recording's length as m:ss or h:mm:ss", () => {
    expect(formatDuration(null)).toBe("");
    expect(formatDuration(7.4)).toBe("0:07");
    expect(formatDuration(125)).toBe("2:05");
    expect(formatDuration(3 * 3600 + 65)).toBe("3:01:05");
  });
});
