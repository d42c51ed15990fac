import { beforeEach, describe, expect, it, vi } from "vitest";

import { currentTokens, needsRefresh, refreshTokens, saveTokens, tokensFrom } from "./session";

describe("session tokens", () => {
  beforeEach(() => {
    localStorage.clear();
    saveTokens(null);
    vi.restoreAllMocks();
  });

  it("computes the expiry from expires_in", () => {
    const tokens = tokensFrom({ access_token: "a", refresh_token: "r", expires_in: 60 }, 1_000);
    expect(tokens.expires_at).toBe(61_000);
    expect(needsRefresh(tokens, 1_000)).toBe(false);
    expect(needsRefresh(tokens, 40_000)).toBe(true);
  });

  it("spends the refresh token once even when asked twice at the same time", async () => {
    saveTokens({ access_token: "a", refresh_token: "r1", expires_at: 0 });
    const fetchMock = vi.spyOn(globalThis, "fetch").mockImplementation(async () =>
      new Response(JSON.stringify({ access_token: "a2", refresh_token: "r2", expires_in: 3600 }), {
        status: 200,
      }),
    );
    const stale = currentTokens()!;
    const [first, second] = await Promise.all([refreshTokens(stale), refreshTokens(stale)]);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(first?.refresh_token).toBe("r2");
    expect(second?.refresh_token).toBe("r2");
    expect(JSON.parse(localStorage.getItem("transcribe.session")!).refresh_token).toBe("r2");
  });

  it("takes the tokens another tab already refreshed instead of reusing the old one", async () => {
    saveTokens({ access_token: "a", refresh_token: "r1", expires_at: 0 });
    const stale = currentTokens()!;
    // The other tab wrote new tokens to the shared storage.
    localStorage.setItem(
      "transcribe.session",
      JSON.stringify({ access_token: "b", refresh_token: "r9", expires_at: Date.now() + 3_600_000 }),
    );
    const fetchMock = vi.spyOn(globalThis, "fetch");
    const fresh = await refreshTokens(stale);
    expect(fetchMock).not.toHaveBeenCalled();
    expect(fresh?.access_token).toBe("b");
  });

  it("ends the session when the refresh token is refused", async () => {
    saveTokens({ access_token: "a", refresh_token: "r1", expires_at: 0 });
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("{}", { status: 401 }));
    expect(await refreshTokens(currentTokens()!)).toBeNull();
    expect(currentTokens()).toBeNull();
  });
});
