/**
 * A Server-Sent Events parser for streams read with `fetch` (a plain EventSource cannot
 * send the Authorization header). Follows the WHATWG event-stream rules: lines end in
 * LF, CR or CRLF; `data:` lines join with LF; a blank line dispatches; `:` lines are
 * comments (keep-alives); `id:` sets the last event id even for events without data.
 */

export interface SseEvent {
  event: string;
  data: string;
  id: string | null;
}

export function createSseParser(onEvent: (event: SseEvent) => void) {
  let buffer = "";
  let eventType = "";
  let data: string[] = [];
  let lastId: string | null = null;

  function line(text: string) {
    if (text === "") {
      if (data.length > 0) onEvent({ event: eventType || "message", data: data.join("\n"), id: lastId });
      eventType = "";
      data = [];
      return;
    }
    if (text.startsWith(":")) return;
    const colon = text.indexOf(":");
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") eventType = value;
    else if (field === "data") data.push(value);
    else if (field === "id" && !value.includes("\0")) lastId = value;
  }

  return {
    feed(chunk: string) {
      buffer += chunk;
      // A CR at the very end may be the first half of a CRLF: wait for the next chunk.
      const pattern = /\r\n|\r(?!$)|\n/;
      let match = pattern.exec(buffer);
      while (match) {
        line(buffer.slice(0, match.index));
        buffer = buffer.slice(match.index + match[0].length);
        match = pattern.exec(buffer);
      }
    },
    get lastId() {
      return lastId;
    },
  };
}
