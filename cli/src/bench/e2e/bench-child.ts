import { printJson } from "../../stdout.js";
import { runBareAedes } from "./broker-role.js";
import { PublisherOptions, runPublisher } from "./publisher-role.js";
import { runSubscriber, SubscriberOptions } from "./subscriber-role.js";

/**
 * Entry of the e2e benchmark's own processes (`bin/bench-child.js <role>
 * <options as JSON>`): each prints JSON lines on stdout and stays up until
 * SIGTERM, so that the parent can read its CPU time and peak RSS from /proc.
 */
async function main(role: string | undefined, raw: string | undefined): Promise<void> {
  const options: unknown = JSON.parse(raw ?? "{}");
  switch (role) {
    case "publisher":
      await runPublisher(PublisherOptions.parse(options));
      break;
    case "subscriber":
      await runSubscriber(SubscriberOptions.parse(options));
      break;
    case "broker":
      await runBareAedes();
      break;
    default:
      throw new Error(`unknown bench role ${role}`);
  }
}

process.once("SIGTERM", () => process.exit(0));
// Kept alive until the parent has read /proc and sends SIGTERM.
const keepAlive = setInterval(() => {}, 60_000);
main(process.argv[2], process.argv[3]).catch((error: unknown) => {
  printJson({ event: "failed", message: error instanceof Error ? error.message : String(error) });
  clearInterval(keepAlive);
  process.exitCode = 1;
});
