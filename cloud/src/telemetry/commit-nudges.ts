import type { CommitAck } from "@tally/protocols";

/**
 * Whether a batch's ack says the commit took anything, events or readings sent as columns (counted, not
 * listed): then the hand-off may hold new rows and the forwarder looks now rather than after its idle wait.
 */
export function commitNudgesForwarder(ack: CommitAck): boolean {
  return ack.committed.length > 0 || (ack.readings?.committed ?? 0) > 0;
}
