import type { AlertEvent } from "../alerts/alert.js";
import type { WebhookFormat } from "./webhook.js";

/** What one message tells: alert events of one site and kind, oldest first. */
export interface MessageContent {
  siteId: string;
  kind: string;
  events: readonly AlertEvent[];
}

/** The JSON body of a `json` webhook. */
export interface JsonWebhookBody {
  siteId: string;
  kind: string;
  events: AlertEvent[];
}

interface SlackBlock {
  type: "section" | "context";
  text?: { type: "mrkdwn"; text: string };
  elements?: { type: "mrkdwn"; text: string }[];
}

/** A Slack incoming-webhook message: `text` is the notification's fallback, `blocks` what the channel shows. */
export interface SlackWebhookBody {
  text: string;
  blocks: SlackBlock[];
}

/** Slack allows 50 blocks a message and 3,000 characters a text block. */
const SLACK_MAX_EVENT_BLOCKS = 45;
const SLACK_MAX_TEXT = 3000;

/** The body of a message for a webhook of this format, as the exact text that is signed and sent. */
export function webhookBody(format: WebhookFormat, content: MessageContent): string {
  switch (format) {
    case "json":
      return JSON.stringify(jsonBody(content));
    case "slack":
      return JSON.stringify(slackBody(content));
  }
}

export function jsonBody(content: MessageContent): JsonWebhookBody {
  return { siteId: content.siteId, kind: content.kind, events: [...content.events] };
}

/** mrkdwn treats `&`, `<` and `>` as control characters: text from alerts is escaped so it cannot make links. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const truncate = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** One line of an event: what happened, how bad, the alert's message and where. */
function eventLine(event: AlertEvent): string {
  const { alert } = event;
  const parts = [`*${event.event}*`, `*${alert.severity}*`, escapeMrkdwn(alert.message)];
  if (alert.location !== undefined) parts.push(`at \`${escapeMrkdwn(alert.location)}\``);
  if (alert.value !== undefined) {
    const unit = alert.unit === undefined ? "" : ` ${escapeMrkdwn(alert.unit)}`;
    const limit = alert.limit === undefined ? "" : ` (limit ${alert.limit}${unit})`;
    parts.push(`${alert.value}${unit}${limit}`);
  }
  if (event.target !== undefined) parts.push(`→ ${escapeMrkdwn(event.target)}`);
  return truncate(parts.join(" · "), SLACK_MAX_TEXT);
}

/** The worst severity among the events (they share a site and kind, not a severity). */
function worst(events: readonly AlertEvent[]): string {
  const order = ["critical", "major", "minor", "warning"];
  let best = order.length - 1;
  for (const e of events) best = Math.min(best, Math.max(0, order.indexOf(e.alert.severity)));
  return order[best] ?? "warning";
}

export function slackBody(content: MessageContent): SlackWebhookBody {
  const { events } = content;
  const site = escapeMrkdwn(content.siteId);
  const kind = escapeMrkdwn(content.kind);
  const count = events.length === 1 ? "1 alert change" : `${events.length} alert changes`;
  const text = `[${worst(events)}] ${kind} at ${site}: ${count}`;
  const blocks: SlackBlock[] = [
    { type: "section", text: { type: "mrkdwn", text: `*${kind}* at *${site}*: ${count}` } },
  ];
  for (const event of events.slice(0, SLACK_MAX_EVENT_BLOCKS)) {
    blocks.push({ type: "section", text: { type: "mrkdwn", text: eventLine(event) } });
  }
  if (events.length > SLACK_MAX_EVENT_BLOCKS) {
    const more = events.length - SLACK_MAX_EVENT_BLOCKS;
    blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: `… and ${more} more in the Tally console` }] });
  }
  return { text, blocks };
}
