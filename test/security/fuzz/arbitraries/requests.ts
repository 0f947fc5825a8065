import fc from "fast-check";
import { hostileJsonText, hostileString, PROTO_KEYS } from "./hostile-json.js";
import { type JsonSchema, valueFor } from "./json-schema.js";
import { mutateValue, valueMutation } from "./mutations.js";

/** One operation of the OpenAPI document, as much of it as the fuzzer reads. */
export interface Operation {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** The path template, `/v1/items/{sku}`. */
  path: string;
  parameters: { in: string; name: string; required?: boolean; schema?: JsonSchema }[];
  body?: JsonSchema;
  /** Documented response statuses. */
  responses: string[];
}

interface OpenApiOperation {
  parameters?: Operation["parameters"];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, unknown>;
}

/** Every operation of an OpenAPI 3 document. */
export function operationsOf(doc: { paths: Record<string, Record<string, OpenApiOperation>> }): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => {
      const body = op.requestBody?.content?.["application/json"]?.schema;
      return {
        method: method.toUpperCase() as Operation["method"],
        path,
        parameters: op.parameters ?? [],
        ...(body === undefined ? {} : { body }),
        responses: Object.keys(op.responses ?? {}),
      };
    }),
  );
}

/** Percent-encodes text for a URL, lone surrogates included (as U+FFFD's bytes, the way a client would). */
function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return [...Buffer.from(text, "utf8")].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");
  }
}

/** Raw URL fragments no encoder produces: bad escapes, encoded invalid UTF-8, NULs, dot segments. */
const RAW_FRAGMENTS = [
  "%",
  "%zz",
  "%FF",
  "%ED%A0%80",
  "%C0%AF",
  "..",
  ".",
  "%2F",
  "%00",
  "a%2Fb",
  "%2e%2e",
  "+",
  "%20",
];

const urlText = (schema: JsonSchema | undefined, name: string): fc.Arbitrary<string> =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: valueFor(schema ?? { type: "string" }, name).map((v) =>
        encode(typeof v === "string" ? v : (JSON.stringify(v) ?? "")),
      ),
    },
    { weight: 3, arbitrary: hostileString.map(encode) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_FRAGMENTS) },
    {
      weight: 1,
      arbitrary: fc.tuple(hostileString, fc.constantFrom(...RAW_FRAGMENTS)).map(([s, raw]) => `${encode(s)}${raw}`),
    },
  );

/** A query string: documented parameters with good and hostile values, repeated, unknown and prototype-named keys. */
const queryFor = (op: Operation): fc.Arbitrary<string> => {
  const documented = op.parameters.filter((p) => p.in === "query");
  const pair = fc.oneof(
    ...(documented.length > 0
      ? [fc.constantFrom(...documented).chain((p) => urlText(p.schema, p.name).map((v) => `${p.name}=${v}`))]
      : []),
    fc.tuple(hostileString.map(encode), urlText(undefined, "x")).map(([k, v]) => `${k}=${v}`),
    fc
      .tuple(
        fc.constantFrom(...PROTO_KEYS, "__proto__[polluted]", "constructor[prototype][polluted]", "a[b][c]"),
        fc.string({ maxLength: 8 }),
      )
      .map(([k, v]) => `${k}=${encode(v)}`),
    fc.constantFrom("=", "&", "a", "a=", "=b", "a=%", "limit=1e999", "limit=-0", "limit=0x10", "limit=NaN"),
  );
  return fc.array(pair, { maxLength: 6 }).map((pairs) => pairs.join("&"));
};

/** A request body: the schema's shape, mutated; hostile JSON; random bytes; or the right body in the wrong type. */
const DEEP = "\u0000deep\u0000";

/**
 * `value` as JSON text with its `target`-th node replaced by arrays nested
 * `depth` deep. Spliced into the text: fast-check keeps and prints the small
 * value, and neither it nor JSON.stringify ever holds the deep one.
 */
function withDeepValue(value: unknown, target: number, depth: number): string {
  const marked = JSON.stringify(mutateValue(value, [{ op: "replace", target, with: DEEP }])) ?? "null";
  return marked.replace(JSON.stringify(DEEP), `${"[".repeat(depth)}${"]".repeat(depth)}`);
}

interface Body {
  payload?: string | Buffer;
  contentType?: string;
}

const bodyFor = (op: Operation): fc.Arbitrary<Body> => {
  const shaped = valueFor(op.body ?? {});
  return fc.oneof(
    {
      weight: 3,
      arbitrary: shaped.map((v) => ({ payload: JSON.stringify(v) ?? "null", contentType: "application/json" })),
    },
    {
      weight: 5,
      arbitrary: fc
        .tuple(shaped, fc.array(valueMutation, { minLength: 1, maxLength: 3 }))
        .map(([v, m]) => ({ payload: JSON.stringify(mutateValue(v, m)) ?? "null", contentType: "application/json" })),
    },
    {
      weight: 2,
      arbitrary: hostileJsonText({ maxDepth: 20_000, maxLength: 20_000 }).map((payload) => ({
        payload,
        contentType: "application/json",
      })),
    },
    {
      // The schema's shape with one value replaced by arrays nested thousands deep, where a handler walks it.
      weight: 1,
      arbitrary: fc
        .tuple(shaped, fc.nat(), fc.integer({ min: 1_000, max: 20_000 }))
        .map(([v, target, depth]) => ({ payload: withDeepValue(v, target, depth), contentType: "application/json" })),
    },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ maxLength: 512 })
        .map((b) => ({ payload: Buffer.from(b), contentType: "application/json" })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          shaped,
          fc.constantFrom(
            "text/plain",
            "application/x-www-form-urlencoded",
            "application/json; charset=latin1",
            "multipart/form-data",
            "",
          ),
        )
        .map(([v, contentType]) => ({ payload: JSON.stringify(v) ?? "null", contentType })),
    },
    { weight: 1, arbitrary: fc.constant<Body>({}) },
  );
};

/** A request to one operation: hostile path parameters, query string, documented headers and body. */
export interface FuzzRequest {
  method: Operation["method"];
  url: string;
  payload?: string | Buffer;
  headers: Record<string, string>;
}

/** Header values a client may send (visible ASCII and spaces: Node refuses the rest before the server sees it). */
const headerValue = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 200 }),
  fc.constantFrom('"', 'W/"x"', "*", '"a", "b"', " "),
);

/** The documented header parameters (e.g. `if-none-match`), each present or not, with any value. */
const headersFor = (op: Operation): fc.Arbitrary<Partial<Record<string, string>>> => {
  const model: Record<string, fc.Arbitrary<string>> = {};
  for (const p of op.parameters.filter((p) => p.in === "header")) model[p.name] = headerValue;
  return fc.record(model, { requiredKeys: [] });
};

export function requestFor(op: Operation): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.parameters.filter((p) => p.in === "path");
  const path = fc
    .tuple(...pathParams.map((p) => urlText(p.schema, p.name)))
    .map((values) => pathParams.reduce((url, p, i) => url.replace(`{${p.name}}`, values[i] ?? ""), op.path));
  const body = op.body === undefined ? fc.oneof(fc.constant<Body>({}), bodyFor(op)) : bodyFor(op);
  return fc.tuple(path, queryFor(op), body, headersFor(op)).map(([url, query, b, documented]): FuzzRequest => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(documented)) if (value !== undefined) headers[name] = value;
    if (b.contentType !== undefined) headers["content-type"] = b.contentType;
    return {
      method: op.method,
      url: query === "" ? url : `${url}?${query}`,
      ...(b.payload === undefined ? {} : { payload: b.payload }),
      headers,
    };
  });
}
