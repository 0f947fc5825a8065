import { z } from "zod";
import { AlertKind, AlertSeverity } from "../alerts/alert.js";

/** What a webhook's body looks like: Tally's JSON, or a Slack incoming-webhook message. */
export const WebhookFormat = z.enum(["json", "slack"]);
export type WebhookFormat = z.infer<typeof WebhookFormat>;

/**
 * What a webhook subscribes to; an absent field matches everything. Give
 * either `minSeverity` (that severity and worse) or `severities` (exactly
 * those), not both.
 */
export const WebhookFilters = z
  .object({
    siteIds: z.array(z.string().min(1).max(64)).min(1).max(100).optional(),
    minSeverity: AlertSeverity.optional(),
    severities: z.array(AlertSeverity).min(1).max(4).optional(),
    kinds: z.array(AlertKind).min(1).max(100).optional(),
  })
  .strict()
  .refine((f) => f.minSeverity === undefined || f.severities === undefined, {
    message: "give minSeverity or severities, not both",
  });
export type WebhookFilters = z.infer<typeof WebhookFilters>;

/** A webhook as listed: never its secret. */
export const Webhook = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  format: WebhookFormat,
  filters: WebhookFilters,
  createdBy: z.string(),
  createdAt: z.string(),
});
export type Webhook = z.infer<typeof Webhook>;

/** A webhook with the secret its deliveries are signed with (the notifier's view). */
export interface WebhookWithSecret extends Webhook {
  secret: string;
}
