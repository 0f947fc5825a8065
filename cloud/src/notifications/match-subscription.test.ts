import { describe, expect, it } from "vitest";
import { alertEvent } from "../testing/alert-events.js";
import { matchesSubscription } from "./match-subscription.js";

describe("matchesSubscription", () => {
  it("matches everything without filters", () => {
    expect(matchesSubscription({}, alertEvent())).toBe(true);
  });

  it("filters by site, kind, minimum severity and a list of severities", () => {
    const major = alertEvent({ severity: "major" });
    expect(matchesSubscription({ siteIds: ["S1", "S2"] }, major)).toBe(true);
    expect(matchesSubscription({ siteIds: ["S2"] }, major)).toBe(false);
    expect(matchesSubscription({ kinds: ["TEMPERATURE_EXCURSION"] }, major)).toBe(true);
    expect(matchesSubscription({ kinds: ["LOW_STOCK"] }, major)).toBe(false);
    expect(matchesSubscription({ minSeverity: "minor" }, major)).toBe(true);
    expect(matchesSubscription({ minSeverity: "major" }, major)).toBe(true);
    expect(matchesSubscription({ minSeverity: "critical" }, major)).toBe(false);
    expect(matchesSubscription({ severities: ["critical", "warning"] }, major)).toBe(false);
    expect(matchesSubscription({ severities: ["major"] }, major)).toBe(true);
    expect(
      matchesSubscription({ siteIds: ["S1"], minSeverity: "critical" }, alertEvent({ severity: "critical" })),
    ).toBe(true);
  });
});
