/** Signing in and out, and the signed-in user, on top of the token store. */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useSyncExternalStore } from "react";

import { api, unwrap } from "./client";
import { currentTokens, saveTokens, subscribe, tokensFrom } from "./session";

export function useSignedIn(): boolean {
  return useSyncExternalStore(subscribe, () => currentTokens() !== null);
}

/** The signed-in user (`GET /auth/me`), or undefined while loading or signed out. */
export function useMe() {
  const signedIn = useSignedIn();
  return useQuery({
    queryKey: ["me"],
    enabled: signedIn,
    staleTime: 60_000,
    queryFn: async () => unwrap(await api.GET("/auth/me")),
  });
}

export async function signIn(email: string, password: string): Promise<void> {
  const answer = unwrap(await api.POST("/auth/login", { body: { email, password } }));
  saveTokens(tokensFrom(answer));
}

export async function signOut(): Promise<void> {
  const tokens = currentTokens();
  saveTokens(null);
  if (tokens) {
    // Best effort: the session is over locally whatever the server says.
    await fetch("/auth/logout", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: tokens.refresh_token }),
    }).catch(() => undefined);
  }
}

export function useSignOut() {
  const queryClient = useQueryClient();
  return async () => {
    await signOut();
    queryClient.clear();
  };
}
