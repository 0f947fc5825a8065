/** Prometheus text format → name → value, summing a metric's labelled series. */
export function parsePrometheus(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match === null) continue;
    const value = Number(match[3]);
    if (!Number.isFinite(value)) continue;
    const name = match[1] as string;
    values.set(name, (values.get(name) ?? 0) + value);
  }
  return values;
}

/** Reads a `/metrics` endpoint (with a bearer token when it asks for one) into name → value. */
export async function scrapeMetrics(url: string, token?: string): Promise<Map<string, number>> {
  const response = await fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return parsePrometheus(await response.text());
}
