import { parseUplinkBatchTopic, TOPIC_ROOT, UPLINK_BATCH_SUBSCRIPTION } from "@tally/protocols";
import type { Principal } from "../auth/principal.js";
import { principalCovers } from "../auth/principal.js";
import { roleAllows } from "../auth/role.js";

/** The credential id of the cloud's own ingest client on its embedded broker. */
export const CLOUD_INGEST_ID = "internal:ingest";

/** Why the broker refused a publish or a subscription (a metric label, stable). */
export type BrokerRefusal = "forged-batch" | "forged-ack" | "topic-not-allowed" | "subscription-not-allowed";

export type AclVerdict = { allowed: true } | { allowed: false; refusal: BrokerRefusal; reason: string };

const ALLOWED: AclVerdict = { allowed: true };
const SEGMENT = "[A-Za-z0-9_.-]{1,64}";
const ACK_TOPIC = new RegExp(`^${TOPIC_ROOT}/(${SEGMENT})/edge/(${SEGMENT})/ack$`);
const EDGE_FILTER = new RegExp(`^${TOPIC_ROOT}/(${SEGMENT}|\\+)/edge/(${SEGMENT}|\\+)/(ack|batch)$`);
const SHARED_BATCHES = new RegExp(`^\\$share/[A-Za-z0-9_-]{1,64}/${UPLINK_BATCH_SUBSCRIPTION.replaceAll("+", "\\+")}$`);

/**
 * Who may publish what on the cloud's broker. An edge publishes only its
 * own batch topic (its edge id and site come from its credential, so the
 * topic it may use is fixed by who it is); only the cloud's ingest
 * publishes acknowledgements; nothing else is published here.
 */
export function mayPublish(principal: Principal, topic: string): AclVerdict {
  const batch = parseUplinkBatchTopic(topic);
  if (batch !== undefined) {
    if (principal.role === "edge" && principal.edgeId === batch.edgeId && principalCovers(principal, batch.siteId)) {
      return ALLOWED;
    }
    return {
      allowed: false,
      refusal: "forged-batch",
      reason: `${describe(principal)} may not publish batches as edge ${batch.edgeId} of site ${batch.siteId}`,
    };
  }
  if (ACK_TOPIC.test(topic)) {
    if (principal.id === CLOUD_INGEST_ID) return ALLOWED;
    return { allowed: false, refusal: "forged-ack", reason: `${describe(principal)} may not publish acknowledgements` };
  }
  return { allowed: false, refusal: "topic-not-allowed", reason: `${describe(principal)} may not publish on ${topic}` };
}

/**
 * Who may read what: the cloud's ingest reads every batch (directly or as
 * one member of a shared subscription); an edge reads only its own
 * acknowledgements; a person (viewer or above) may watch the batches and
 * acknowledgements of the sites they cover (what the API shows them
 * anyway), e.g. to time commits. No `#`, no `$SYS`, no other site's or
 * other edge's data.
 */
export function maySubscribe(principal: Principal, filter: string): AclVerdict {
  const refuse = (): AclVerdict => ({
    allowed: false,
    refusal: "subscription-not-allowed",
    reason: `${describe(principal)} may not subscribe to ${filter}`,
  });
  if (principal.id === CLOUD_INGEST_ID) {
    return filter === UPLINK_BATCH_SUBSCRIPTION || SHARED_BATCHES.test(filter) ? ALLOWED : refuse();
  }
  const match = EDGE_FILTER.exec(filter);
  if (match === null) return refuse();
  const [, site = "", edge = "", channel = ""] = match;
  if (principal.role === "edge") {
    return channel === "ack" && edge === principal.edgeId && site !== "+" && principalCovers(principal, site)
      ? ALLOWED
      : refuse();
  }
  if (!roleAllows(principal.role, ["viewer"])) return refuse();
  if (site === "+") return principal.sites === undefined ? ALLOWED : refuse();
  return principalCovers(principal, site) ? ALLOWED : refuse();
}

function describe(principal: Principal): string {
  return principal.role === "edge"
    ? `edge ${principal.edgeId ?? "?"} (${principal.name})`
    : `${principal.name} (${principal.role})`;
}
