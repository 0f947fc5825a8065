/** Longest URL a webhook may have. */
export const MAX_WEBHOOK_URL = 2048;

/**
 * Whether `text` may be a webhook's URL: absolute, http or https, without
 * user or password (a credential in the URL would show wherever webhooks are
 * listed; the receiver checks the signature instead). The URL as parsed
 * (normalised) is what gets stored.
 */
export function checkWebhookUrl(text: string): { ok: true; url: string } | { ok: false; reason: string } {
  if (text.length > MAX_WEBHOOK_URL)
    return { ok: false, reason: `the URL is longer than ${MAX_WEBHOOK_URL} characters` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: `"${text.slice(0, 200)}" is not an absolute URL` };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { ok: false, reason: `a webhook URL is http or https, not ${url.protocol.replace(/:$/, "")}` };
  }
  if (url.username !== "" || url.password !== "") {
    return { ok: false, reason: "a webhook URL carries no user or password: receivers check the signature" };
  }
  if (url.hostname === "") return { ok: false, reason: "the URL has no host" };
  return { ok: true, url: url.toString() };
}
