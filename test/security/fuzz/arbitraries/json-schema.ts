import fc from "fast-check";
import { FUZZ_LOCATIONS, FUZZ_SITE, FUZZ_SKUS } from "./fuzz-site.js";
import { hostileValue } from "./hostile-json.js";

/** The part of JSON Schema the OpenAPI document of the cloud uses. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
}

/** Values the site knows, for fields named like them: a request that names real things reaches deeper. */
const KNOWN: Readonly<Record<string, readonly string[]>> = {
  sku: FUZZ_SKUS,
  location: FUZZ_LOCATIONS,
  to: FUZZ_LOCATIONS,
  from: FUZZ_LOCATIONS,
  siteId: [FUZZ_SITE.siteId],
};

const MAX_ITEMS = 4;

function stringFor(schema: JsonSchema, name: string | undefined): fc.Arbitrary<string> {
  const known = name === undefined ? undefined : KNOWN[name];
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? 24, 24));
  let base: fc.Arbitrary<string>;
  if (schema.format === "uuid") base = fc.uuid({ version: 7 });
  else if (schema.format === "date-time") base = fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
  else if (schema.format === "date") base = fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
  else if (schema.pattern !== undefined)
    base = fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length <= (schema.maxLength ?? 200));
  else base = fc.string({ minLength, maxLength });
  return known === undefined ? base : fc.oneof(fc.constantFrom(...known), base);
}

function numberFor(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min = schema.minimum ?? (schema.exclusiveMinimum === undefined ? -1e6 : schema.exclusiveMinimum + 1);
  const max = schema.maximum ?? 1e6;
  return integer
    ? fc.integer({ min: Math.ceil(Math.max(min, -1e9)), max: Math.floor(Math.min(max, 1e9)) })
    : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

/**
 * Values that mostly satisfy a schema: the shape a client would send, for
 * the mutations to start from. Whatever the schema does not describe becomes
 * a hostile value.
 */
export function valueFor(schema: JsonSchema, name?: string): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum !== undefined && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  const choices = schema.oneOf ?? schema.anyOf;
  if (choices !== undefined && choices.length > 0) return fc.oneof(...choices.map((c) => valueFor(c, name)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "object": {
      const properties = schema.properties ?? {};
      const required = schema.required ?? [];
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, property] of Object.entries(properties)) model[key] = valueFor(property, key);
      return fc.record(model, { requiredKeys: required.filter((key) => key in properties) });
    }
    case "array": {
      const minLength = Math.min(schema.minItems ?? 0, MAX_ITEMS);
      return fc.array(valueFor(schema.items ?? {}, name), {
        minLength,
        maxLength: Math.max(minLength, Math.min(schema.maxItems ?? MAX_ITEMS, MAX_ITEMS)),
      });
    }
    case "string":
      return stringFor(schema, name);
    case "integer":
      return numberFor(schema, true);
    case "number":
      return numberFor(schema, false);
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    default:
      return hostileValue;
  }
}
