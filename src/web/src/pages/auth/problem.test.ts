import { describe, expect, it } from "vitest";

import { ApiError } from "../../api/client";
import { problemText } from "./problem";

describe("problemText", () => {
  it("shows the API's detail", () => {
    expect(problemText(new ApiError(409, "This email is taken"), "x")).toBe("This email is taken");
  });

  it("adds the fields' problems of a validation error", () => {
    const body = {
      status_code: 400,
      detail: "Validation failed",
      extra: [{ key: "password", message: "Expected `str` of length >= 8" }],
    };
    expect(problemText(new ApiError(400, "Validation failed", body), "x")).toBe(
      "Validation failed (password: Expected `str` of length >= 8)",
    );
  });

  it("falls back when there is nothing to say", () => {
    expect(problemText(undefined, "Could not do it")).toBe("Could not do it");
  });
});
