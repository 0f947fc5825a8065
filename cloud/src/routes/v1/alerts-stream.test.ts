import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AlertHub } from "../../alerts/alert-hub.js";
import { buildApp } from "../../app.js";
import {
  batch,
  bearer,
  condition,
  everyLocationKnown,
  silentLogger,
  TEST_TOKENS,
  tempStore,
  testCredentials,
} from "../../testing/fixtures.js";

/** Reads a text stream until `done(buffer)` is true or the stream ends; returns what was read. */
async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  done: (text: string) => boolean,
): Promise<{ text: string; ended: boolean }> {
  const decoder = new TextDecoder();
  let text = "";
  while (!done(text)) {
    const chunk = await reader.read();
    if (chunk.done) return { text, ended: true };
    text += decoder.decode(chunk.value, { stream: true });
  }
  return { text, ended: false };
}

describe("GET /v1/alerts/stream", () => {
  let app: FastifyInstance;
  let alerts: AlertHub;
  let dispose: () => Promise<void>;
  let base: string;
  beforeEach(async () => {
    const temp = await tempStore();
    dispose = temp.dispose;
    alerts = new AlertHub();
    app = await buildApp({
      siteFacts: everyLocationKnown,
      store: temp.store,
      logger: silentLogger(),
      alerts,
      credentials: testCredentials(temp.store),
      mode: "development",
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await app.close();
    await dispose();
  });

  it("sends retry on connect, then one `alert` event per committed alert change", async () => {
    const res = await fetch(`${base}/v1/alerts/stream`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = res.body?.getReader();
    if (reader === undefined) throw new Error("no body");
    const hello = await readUntil(reader, (t) => t.includes("\n\n"));
    expect(hello.text).toMatch(/^retry: \d+\n/);

    const raised = condition();
    const ingest = await fetch(`${base}/v1/ingest`, {
      method: "POST",
      headers: { "content-type": "application/json", ...bearer(TEST_TOKENS.edge) },
      body: JSON.stringify(batch([raised])),
    });
    expect(ingest.status).toBe(200);
    const event = await readUntil(reader, (t) => /event: alert\ndata: .*\n\n/.test(t));
    const data = /event: alert\ndata: (.*)\n\n/.exec(event.text)?.[1] ?? "";
    expect(JSON.parse(data)).toMatchObject({ dedupKey: raised.key, status: "open", severity: "critical" });
    await reader.cancel();
  });

  it("unsubscribes when the client goes away", async () => {
    const controller = new AbortController();
    const res = await fetch(`${base}/v1/alerts/stream`, { signal: controller.signal });
    const reader = res.body?.getReader();
    if (reader === undefined) throw new Error("no body");
    await readUntil(reader, (t) => t.includes("\n\n"));
    expect(alerts.listenerCount).toBe(1);
    const gone = new Promise<void>((resolve) => {
      const check = () => (alerts.listenerCount === 0 ? resolve() : setImmediate(check));
      check();
    });
    controller.abort();
    await gone;
    expect(alerts.listenerCount).toBe(0);
  });

  it("ends open streams when the server closes, without hanging", async () => {
    const res = await fetch(`${base}/v1/alerts/stream`);
    const reader = res.body?.getReader();
    if (reader === undefined) throw new Error("no body");
    await readUntil(reader, (t) => t.includes("\n\n"));
    await app.close();
    const rest = await readUntil(reader, () => false);
    expect(rest.ended).toBe(true);
    expect(alerts.listenerCount).toBe(0);
  });
});
