// Talks to the cloud's /v1 API with the signed-in token. The token lives in
// sessionStorage: it is gone when the tab closes and other sites cannot read it.

const TOKEN_KEY = "tally.token";

export function storedToken() {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function storeToken(token) {
  if (token === undefined) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** An API refusal: the problem+json body's code and detail, and the HTTP status. */
export class ApiError extends Error {
  constructor(status, code, detail) {
    super(detail);
    this.status = status;
    this.code = code;
  }
}

function headers(extra) {
  const token = storedToken();
  return { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...extra };
}

/** GET or POST a JSON route; resolves with the parsed body, rejects with an ApiError. */
export async function api(path, { method = "GET", body, signal } = {}) {
  const response = await fetch(path, {
    method,
    signal,
    headers: headers(body === undefined ? {} : { "content-type": "application/json" }),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status === 204) return undefined;
  const text = await response.text();
  const parsed = text === "" ? undefined : safeJson(text);
  if (!response.ok) {
    const code = parsed?.code ?? `HTTP_${response.status}`;
    throw new ApiError(response.status, code, parsed?.detail ?? parsed?.title ?? response.statusText);
  }
  return parsed;
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A query string from the defined, non-empty values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}

/** Every page of a list route (`next` → `after`), up to `maxPages`. */
export async function allPages(path, params, key, maxPages = 5) {
  const rows = [];
  let after;
  for (let page = 0; page < maxPages; page++) {
    const body = await api(`${path}${query({ ...params, limit: 1000, after })}`);
    rows.push(...(body[key] ?? []));
    after = body.next;
    if (after === undefined) break;
  }
  return rows;
}
