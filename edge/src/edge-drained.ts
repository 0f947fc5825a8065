import type { ObservationFeed } from "./observation-feed.js";
import type { OutboxWriter } from "./outbox-writer.js";
import type { Outbox } from "./ports/outbox.js";
import type { UplinkSender } from "./uplink/uplink-sender.js";

export interface EdgeDrainSources {
  feed: Pick<ObservationFeed, "lastObservationMs">;
  /** How long the pipelines may hold data after their last input, ms. */
  settleMs: number;
  sender: Pick<UplinkSender, "drained">;
  outbox: Pick<Outbox, "depth">;
  writer: Pick<OutboxWriter, "waiting">;
}

/**
 * Resolves once nothing is left anywhere: the pipelines have settled since the last observation, every event is
 * in the outbox and the cloud has acknowledged them all.
 */
export async function edgeDrained(sources: EdgeDrainSources): Promise<void> {
  const { feed, settleMs, sender, outbox, writer } = sources;
  for (;;) {
    const wait = feed.lastObservationMs + settleMs - Date.now();
    if (wait > 0) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      continue;
    }
    await sender.drained();
    if (Date.now() - feed.lastObservationMs >= settleMs && outbox.depth() === 0 && !writer.waiting) return;
  }
}
