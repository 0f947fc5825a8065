import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { detectReaderFormat } from "./detect-reader-format.js";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

describe("detectReaderFormat", () => {
  it.each([
    ["generic-read.json", "generic"],
    ["zebra-tag.json", "zebra"],
    ["zebra-events.json", "zebra"],
    ["zebra-events.ndjson", "zebra"],
    ["impinj-tag-base64.json", "impinj"],
    ["impinj-events.json", "impinj"],
    ["impinj-stream.ndjson", "impinj"],
  ])("%s is %s", (name, format) => {
    expect(detectReaderFormat(fixture(name))).toBe(format);
    expect(detectReaderFormat(new TextEncoder().encode(fixture(name)))).toBe(format);
  });

  it("recognises Impinj events without eventType (older firmware)", () => {
    expect(detectReaderFormat('{"timestamp":"2026-01-01T12:00:00Z","tagInventoryEvent":{}}')).toBe("impinj");
  });

  it.each([
    "",
    "not json",
    "null",
    "42",
    "[]",
    "[1]",
    "[[]]",
    '{"foo":1}',
    '{"reads":{}}',
    '{"type":"SIMPLE"}',
    '{"__proto__":{"reads":[]}}',
  ])("has no guess for %j", (payload) => {
    expect(detectReaderFormat(payload)).toBeUndefined();
  });

  it("has no guess for an oversize payload", () => {
    expect(detectReaderFormat(fixture("zebra-tag.json"), { maxBytes: 10 })).toBeUndefined();
  });
});
