// Server-Sent Events read with fetch, so the request carries the Authorization
// header (EventSource cannot send one). Reconnects after a drop, waiting the
// server's `retry:` (or 3 s), and says each change of state.

/** Splits an event-stream text buffer into complete events; returns them and what is left over. */
export function parseEvents(buffer) {
  const events = [];
  const blocks = buffer.replace(/\r\n?/g, "\n").split("\n\n");
  const rest = blocks.pop() ?? "";
  for (const block of blocks) {
    const event = { event: "message", data: [], retry: undefined };
    for (const line of block.split("\n")) {
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event.event = value;
      else if (field === "data") event.data.push(value);
      else if (field === "retry" && /^\d+$/.test(value)) event.retry = Number(value);
    }
    events.push({ event: event.event, data: event.data.join("\n"), retry: event.retry });
  }
  return { events, rest };
}

/**
 * Follows `url` until `stop()` is called: `onEvent({ event, data })` for each
 * event with data, `onState("live" | "reconnecting" | "refused", detail)` as
 * the connection changes. `headers()` is asked again at every connection.
 */
export function followEvents(url, { headers, onEvent, onState }) {
  let stopped = false;
  let controller;
  let retryMs = 3000;
  let timer;

  const connect = async () => {
    controller = new AbortController();
    try {
      const response = await fetch(url, {
        headers: { accept: "text/event-stream", ...headers() },
        signal: controller.signal,
      });
      if (response.status === 401 || response.status === 403) {
        onState("refused", `the stream refused the credential (${response.status})`);
        return;
      }
      if (!response.ok || response.body === null) throw new Error(`stream answered ${response.status}`);
      onState("live");
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const parsed = parseEvents(buffer + value);
        buffer = parsed.rest;
        for (const event of parsed.events) {
          if (event.retry !== undefined) retryMs = event.retry;
          if (event.data !== "") onEvent(event);
        }
      }
    } catch (error) {
      if (stopped) return;
      onState("reconnecting", error instanceof Error ? error.message : String(error));
    }
    if (stopped) return;
    onState("reconnecting", "the stream ended");
    timer = setTimeout(connect, retryMs);
  };

  connect();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      controller?.abort();
    },
  };
}
