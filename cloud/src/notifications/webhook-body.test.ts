import { describe, expect, it } from "vitest";
import { alertEvent } from "../testing/alert-events.js";
import { escapeMrkdwn, slackBody, webhookBody } from "./webhook-body.js";

describe("webhookBody", () => {
  const events = [alertEvent(), alertEvent({ id: "a2", severity: "critical" }, "escalated")];
  const content = { siteId: "S1", kind: "TEMPERATURE_EXCURSION", events };

  it("json: the site, the kind and the events as they are", () => {
    expect(JSON.parse(webhookBody("json", content))).toEqual({ siteId: "S1", kind: "TEMPERATURE_EXCURSION", events });
  });

  it("slack: a fallback text with the worst severity and one mrkdwn section per event", () => {
    const body = JSON.parse(webhookBody("slack", content)) as ReturnType<typeof slackBody>;
    expect(body.text).toBe("[critical] TEMPERATURE_EXCURSION at S1: 2 alert changes");
    expect(body.blocks).toHaveLength(3);
    expect(body.blocks[1]?.text).toEqual({
      type: "mrkdwn",
      text: "*raised* · *major* · chilled zone above 8 °C · at `S1/COLD/01` · 9.5 °C (limit 8 °C)",
    });
    expect(body.blocks[2]?.text?.text).toMatch(/^\*escalated\* · \*critical\*/);
  });

  it("slack: alert text cannot make links or mentions, and a long group stays within Slack's limits", () => {
    expect(escapeMrkdwn("<!channel> & <http://x|y>")).toBe("&lt;!channel&gt; &amp; &lt;http://x|y&gt;");
    const many = Array.from({ length: 60 }, () => alertEvent({ message: "<!here> ".repeat(1000) }));
    const body = slackBody({ siteId: "S1", kind: "TEMPERATURE_EXCURSION", events: many });
    expect(body.blocks.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(body)).not.toContain("<!here>");
    for (const block of body.blocks) expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(3000);
    expect(body.blocks.at(-1)?.elements?.[0]?.text).toBe("… and 15 more in the Tally console");
  });
});
