import { describe, expect, it } from "vitest";
import { EdgeShutdown } from "./edge-shutdown.js";
import { recordingLogger } from "./testing/recording-logger.js";

describe("EdgeShutdown", () => {
  it("closes what was opened last first, once however often it is asked", async () => {
    const shutdown = new EdgeShutdown(recordingLogger().logger);
    const closed: string[] = [];
    for (const part of ["storage", "uplink", "broker"]) shutdown.closers.push(async () => void closed.push(part));
    const first = shutdown.close();
    const second = shutdown.close();
    expect(second).toBe(first);
    await first;
    await shutdown.close();
    expect(closed).toEqual(["broker", "uplink", "storage"]);
  });

  it("logs a close that fails and closes the rest all the same", async () => {
    const { logger, lines } = recordingLogger();
    const shutdown = new EdgeShutdown(logger);
    const closed: string[] = [];
    shutdown.closers.push(async () => void closed.push("storage"));
    shutdown.closers.push(async () => {
      throw new Error("socket hang up");
    });
    await shutdown.close();
    expect(closed).toEqual(["storage"]);
    expect(lines).toMatchObject([{ level: "warn", msg: "error while closing", err: "socket hang up" }]);
  });

  it("on a failure says why, closes everything, then settles `failed` with the error", async () => {
    const { logger, lines } = recordingLogger();
    const shutdown = new EdgeShutdown(logger);
    let closedBeforeFailed = false;
    shutdown.closers.push(async () => {
      closedBeforeFailed = true;
    });
    const error = new Error("SQLITE_IOERR");
    shutdown.stopOnFailure("the outbox could not be synced to disk", error);
    expect(await shutdown.failed).toBe(error);
    expect(closedBeforeFailed).toBe(true);
    expect(lines).toMatchObject([
      {
        level: "fatal",
        msg: "the outbox could not be synced to disk: the edge stops (restart it; the journal replays what it holds)",
        err: "SQLITE_IOERR",
      },
    ]);
  });

  it("ignores a failure once it is closing: `failed` stays unsettled and nothing more is logged", async () => {
    const { logger, lines } = recordingLogger();
    const shutdown = new EdgeShutdown(logger);
    await shutdown.close();
    shutdown.stopOnFailure("the device journal's writer thread stopped", new Error("exited"));
    const settled = await Promise.race([shutdown.failed.then(() => true), Promise.resolve(false)]);
    expect(settled).toBe(false);
    expect(lines).toEqual([]);
  });
});
