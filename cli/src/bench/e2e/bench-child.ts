import { createInterface } from "node:readline";
import { printJson } from "../../stdout.js";
import { runBareAedes } from "./broker-role.js";
import { PublisherOptions, runPublisher } from "./publisher-role.js";
import { runSubscriber, SubscriberOptions } from "./subscriber-role.js";

/**
 * Entry of the e2e benchmark's own processes (`bin/bench-child.js <role>`):
 * a broker starts at once; a publisher or a subscriber takes one job per
 * JSON line on stdin, one at a time, so that one process (started once, its
 * code compiled once) serves every step of a run. Each prints JSON lines on
 * stdout and stays up until SIGTERM, so that the parent can read its CPU
 * time and peak RSS from /proc.
 */
async function main(role: string | undefined): Promise<void> {
  if (role === "broker") {
    await runBareAedes();
    return;
  }
  if (role !== "publisher" && role !== "subscriber") throw new Error(`unknown bench role ${role}`);
  printJson({ event: "started" });
  for await (const line of createInterface({ input: process.stdin })) {
    const job: unknown = JSON.parse(line);
    if (role === "publisher") await runPublisher(PublisherOptions.parse(job));
    else await runSubscriber(SubscriberOptions.parse(job));
  }
}

process.once("SIGTERM", () => process.exit(0));
// Kept alive until the parent has read /proc and sends SIGTERM.
const keepAlive = setInterval(() => {}, 60_000);
main(process.argv[2]).catch((error: unknown) => {
  printJson({ event: "failed", message: error instanceof Error ? error.message : String(error) });
  clearInterval(keepAlive);
  process.exitCode = 1;
});
