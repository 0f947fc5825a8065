import type { CloudSetup, ExpectedDocument } from "@tally/simulators";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { followingEdge } from "./scenario-edge-waits.js";
import type { SystemEdge } from "./system-edge.js";

const receipt: ExpectedDocument = {
  kind: "receipt",
  receipt: { id: "asn-1", siteId: "WH", dock: "WH/DOCK/IN1", lines: [{ sku: "BOLT", qty: 10 }] },
};

/**
 * An edge that takes a few of the play's questions to catch up: it has received `received` messages, drains
 * when asked after two more questions, and takes up a document change three reference questions after the
 * cloud made it (unless `sees` is false). Every step it takes and every change the cloud makes goes to `log`.
 */
function laggingEdge(options: { received: number; sees?: boolean }) {
  const log: string[] = [];
  let received = options.received;
  let referenceAsOf: number | undefined = 1;
  let changedAt: number | undefined;
  let referenceAsks = 0;
  const edge: SystemEdge = {
    deviceMqttUrl: "mqtt://127.0.0.1:1883",
    messagesReceived: async () => {
      received += 1;
      log.push(`received ${received}`);
      return received;
    },
    drained: async () => {
      log.push("drained");
    },
    eventsQueued: async () => 0,
    referenceAsOfMs: async () => {
      if (changedAt !== undefined && options.sees !== false && ++referenceAsks >= 3) referenceAsOf = Date.now();
      return referenceAsOf;
    },
  };
  const setup: CloudSetup = {
    importSite: async () => undefined,
    openDocument: async () => {
      changedAt = Date.now();
      log.push("opened");
    },
    closeDocument: async () => {
      changedAt = Date.now();
      log.push("closed");
    },
  };
  return { edge, setup, log, referenceAsOf: () => referenceAsOf, changedAt: () => changedAt };
}

const logger = pino({ level: "silent" });

describe("followingEdge: a play's documents kept in step with the edge", () => {
  it("closes a document only once the edge has every acknowledged message and has drained", async () => {
    const fake = laggingEdge({ received: 5 });
    const documents = followingEdge({ edge: () => fake.edge, setup: fake.setup, receivedBeforeClose: () => 8, logger });
    await documents("close", receipt);
    expect(fake.log).toEqual(["received 6", "received 7", "received 8", "drained", "closed"]);
  });

  it("goes on after a change only once the edge works from reference data made after it", async () => {
    const fake = laggingEdge({ received: 0 });
    const documents = followingEdge({ edge: () => fake.edge, setup: fake.setup, receivedBeforeClose: () => 0, logger });
    await documents("open", receipt);
    // An open waits for nothing before it: the edge judges what comes next against it.
    expect(fake.log).toEqual(["opened"]);
    expect(fake.referenceAsOf()).toBeGreaterThanOrEqual(fake.changedAt() ?? Number.POSITIVE_INFINITY);
  });

  it("fails the play, naming the document, when the edge never takes the change up", async () => {
    const fake = laggingEdge({ received: 0, sees: false });
    const documents = followingEdge({
      edge: () => fake.edge,
      setup: fake.setup,
      receivedBeforeClose: () => 0,
      logger,
      waitMs: 200,
    });
    await expect(documents("open", receipt)).rejects.toThrow(
      "the edge did not see expected receipt change within 200 ms",
    );
  });
});
