import { describe, expect, it } from "vitest";
import { checkWebhookUrl } from "./check-webhook-url.js";

describe("checkWebhookUrl", () => {
  it("takes absolute http and https URLs, normalised", () => {
    expect(checkWebhookUrl("https://hooks.example.com/T1/B2")).toEqual({
      ok: true,
      url: "https://hooks.example.com/T1/B2",
    });
    expect(checkWebhookUrl("HTTP://127.0.0.1:8099")).toEqual({ ok: true, url: "http://127.0.0.1:8099/" });
  });

  it.each([
    ["ftp://example.com/x", /http or https, not ftp/],
    ["javascript:alert(1)", /http or https, not javascript/],
    ["file:///etc/passwd", /http or https, not file/],
    ["/relative/path", /not an absolute URL/],
    ["example.com/hook", /not an absolute URL/],
    ["https://user:pass@example.com/hook", /no user or password/],
    [`https://example.com/${"a".repeat(2100)}`, /longer than 2048/],
  ])("refuses %s with a reason", (url, reason) => {
    const check = checkWebhookUrl(url);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(reason);
  });
});
