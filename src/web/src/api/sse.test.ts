import { describe, expect, it } from "vitest";

import { backoffDelay } from "./events";
import { createSseParser, type SseEvent } from "./sse";

function parse(chunks: string[]): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createSseParser((event) => events.push(event));
  for (const chunk of chunks) parser.feed(chunk);
  return events;
}

describe("SSE parser", () => {
  it("reads events split anywhere across chunks", () => {
    const text = 'id: 7\nevent: job\ndata: {"a":1}\n\n: keep-alive\n\nevent: job\ndata: {"a":2}\n\n';
    const whole = parse([text]);
    for (let cut = 1; cut < text.length; cut++) {
      expect(parse([text.slice(0, cut), text.slice(cut)])).toEqual(whole);
    }
    expect(whole).toEqual([
      { event: "job", data: '{"a":1}', id: "7" },
      { event: "job", data: '{"a":2}', id: "7" },
    ]);
  });

  it("joins data lines and accepts CRLF and CR line ends", () => {
    expect(parse(["data: one\r\ndata: two\r\n\r\n", "data:three\r\r\n"])).toEqual([
      { event: "message", data: "one\ntwo", id: null },
      { event: "message", data: "three", id: null },
    ]);
  });

  it("does not dispatch an event without data", () => {
    expect(parse(["event: job\n\n"])).toEqual([]);
  });
});

describe("reconnect backoff", () => {
  it("doubles from about a second up to 30 s, with jitter", () => {
    expect(backoffDelay(0, () => 0)).toBe(500);
    expect(backoffDelay(0, () => 1)).toBe(1_000);
    expect(backoffDelay(3, () => 1)).toBe(8_000);
    expect(backoffDelay(20, () => 1)).toBe(30_000);
  });
});
