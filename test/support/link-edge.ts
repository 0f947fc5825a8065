import { issueToken, type RunningCloud } from "@tally/cloud";
import type { SiteLayout } from "@tally/protocols";

/**
 * What an administrator does before an edge can send to a cloud: import the
 * site's layout (ingest checks events against it) and issue the edge's
 * credential (kept hashed in the cloud's store, so it outlives a cloud restart
 * on the same data). Returns the token the edge logs in with.
 */
export async function linkEdge(cloud: Pick<RunningCloud, "store">, site: SiteLayout, edgeId: string): Promise<string> {
  await cloud.store.importSite(site);
  const issued = await issueToken(cloud.store.security, {
    name: `edge ${edgeId}`,
    role: "edge",
    sites: [site.siteId],
    edgeId,
    createdBy: "test",
  });
  if (!issued.ok) throw new Error(issued.reason);
  return issued.text;
}
