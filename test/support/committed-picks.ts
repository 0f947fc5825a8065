import type { RunningCloud } from "@tally/cloud";
import type { Movement } from "@tally/protocols";

/** Every PICK the cloud committed for the site, paged (the store answers at most 1000 at a time). */
export async function committedPicks(cloud: Pick<RunningCloud, "store">, siteId: string): Promise<Movement[]> {
  const all: Movement[] = [];
  for (;;) {
    const last = all.at(-1);
    const page = await cloud.store.movements({
      siteId,
      movementType: "PICK",
      limit: 1000,
      ...(last !== undefined ? { after: last.id } : {}),
    });
    all.push(...page);
    if (page.length < 1000) return all;
  }
}
