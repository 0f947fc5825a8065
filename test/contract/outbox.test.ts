import { fork } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MemoryOutbox, SqliteOutbox } from "@tally/edge";
import { afterAll, describe, expect, it } from "vitest";
import { outboxContract, telemetryEvent } from "./outbox-contract.js";

const dirs: string[] = [];
const opened: SqliteOutbox[] = [];
async function tempFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tally-outbox-"));
  dirs.push(dir);
  return join(dir, "outbox.db");
}

afterAll(async () => {
  for (const o of opened) o.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

outboxContract("memory", async () => new MemoryOutbox());
outboxContract("sqlite", async () => {
  const outbox = new SqliteOutbox(await tempFile());
  opened.push(outbox);
  return outbox;
});

describe("SqliteOutbox durability", () => {
  it("reopens with what was there, in order", async () => {
    const file = await tempFile();
    const first = new SqliteOutbox(file);
    await first.append([telemetryEvent(1), telemetryEvent(2), telemetryEvent(3)]);
    await first.remove([telemetryEvent(1).id]);
    first.close();
    const second = new SqliteOutbox(file);
    opened.push(second);
    expect(second.depth()).toBe(2);
    expect((await second.peek(5)).map((e) => e.id)).toEqual([telemetryEvent(2).id, telemetryEvent(3).id]);
  });

  it("keeps every appended event across a kill -9 of the writing process", async () => {
    const file = await tempFile();
    const writer = fork(fileURLToPath(new URL("../support/outbox-writer.ts", import.meta.url)), [file, "5000"], {
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    // The writer reports after each durable append; kill it hard in the middle of its work.
    const appended = await new Promise<number>((resolve, reject) => {
      writer.on("message", (count) => {
        if (typeof count === "number" && count >= 2000) resolve(count);
      });
      writer.once("exit", (code) => reject(new Error(`writer exited early with ${code}`)));
    });
    const exited = new Promise((resolve) => writer.once("exit", resolve));
    writer.kill("SIGKILL");
    await exited;
    const reopened = new SqliteOutbox(file);
    opened.push(reopened);
    expect(reopened.depth()).toBeGreaterThanOrEqual(appended);
    const events = await reopened.peek(reopened.depth());
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => telemetryEvent(i).id));
  });
});
