import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { closedPort } from "../testing/closed-port.js";
import { InfluxLineWriter } from "./influx-line-writer.js";

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A stand-in InfluxDB on port 0 that answers each write as `answer` says and records what it got. */
async function standIn(answer: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const got: { url: string; headers: IncomingMessage["headers"]; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => {
      got.push({ url: req.url ?? "", headers: req.headers, body });
      answer(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  closers.push(() => server.closeAllConnections());
  const base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  return { base, got };
}

function writer(base: URL, timeoutMs = 5000) {
  const w = new InfluxLineWriter({
    base,
    db: "tally",
    rp: "tally_raw",
    headers: { authorization: "Basic x" },
    timeoutMs,
  });
  closers.push(() => w.close());
  return w;
}

describe("InfluxLineWriter", () => {
  it("posts the lines as UTF-8 to /write with the database, policy and precision, and takes 204 as written", async () => {
    const { base, got } = await standIn((_req, res) => res.writeHead(204).end());
    const lines =
      "telemetry,deviceId=t-1,unit=°C value=4.5 1764576000000\ntelemetry,deviceId=t-2 value=5 1764576000000";
    await writer(base).write(lines);
    await writer(base).write(lines);
    expect(got).toHaveLength(2);
    expect(got[0]?.url).toBe("/write?db=tally&rp=tally_raw&precision=ms");
    expect(got[0]?.body).toBe(lines);
    expect(got[0]?.headers).toMatchObject({
      authorization: "Basic x",
      "content-length": String(Buffer.byteLength(lines)),
      "content-type": "text/plain; charset=utf-8",
    });
  });

  it("fails a write InfluxDB refuses with its status and what it said, one it does not answer, and one it cannot reach", async () => {
    const refusing = await standIn((_req, res) => res.writeHead(400).end('{"error":"field type conflict"}'));
    await expect(writer(refusing.base).write("x value=1 1")).rejects.toThrow(
      /InfluxDB answered 400 to a write: \{"error":"field type conflict"\}/,
    );
    const silent = await standIn(() => undefined);
    await expect(writer(silent.base, 200).write("x value=1 1")).rejects.toThrow(/did not answer a write within 200 ms/);
    const port = await closedPort();
    await expect(writer(new URL(`http://127.0.0.1:${port}/`)).write("x value=1 1")).rejects.toThrow(/ECONNREFUSED/);
  });
});
