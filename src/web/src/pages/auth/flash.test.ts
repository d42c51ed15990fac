import { describe, expect, it } from "vitest";

import { clearFlash, readFlash, setFlash } from "./flash";

describe("one-time notices", () => {
  it("keeps a notice for the pages it names until cleared", () => {
    setFlash("Account deleted", ["/", "/login"]);
    expect(readFlash(sessionStorage.getItem("transcribe.flash"))).toEqual({
      message: "Account deleted",
      paths: ["/", "/login"],
    });
    clearFlash();
    expect(sessionStorage.getItem("transcribe.flash")).toBeNull();
  });

  it("ignores what it did not write", () => {
    expect(readFlash(null)).toBeNull();
    expect(readFlash("not json")).toBeNull();
    expect(readFlash('{"message": 1}')).toBeNull();
  });
});
