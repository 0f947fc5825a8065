import { describe, expect, it } from "vitest";
import { SiteLayout } from "./site-layout.js";

const site = (locations: unknown[], devices: unknown[] = []) =>
  SiteLayout.safeParse({
    siteId: "S1",
    zones: [{ id: "A", kind: "storage" }],
    locations,
    devices,
  });
const messages = (result: ReturnType<typeof site>) =>
  result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);

describe("location labels (GLN, AI 414 and 254)", () => {
  it("accepts GLNs with their check digit, shared when each extension differs", () => {
    const result = site([
      { code: "S1/A/01", zone: "A", gln: "9520123456788" },
      { code: "S1/A/02", zone: "A", gln: "9520123456788", glnExtension: "32a/b" },
      { code: "S1/A/03", zone: "A", gln: "0614141000005", glnExtension: "%&'()*+,-./:;<=>?_" },
    ]);
    expect(messages(result)).toEqual([]);
  });

  it.each([
    ["a wrong check digit", [{ code: "S1/A/01", zone: "A", gln: "9520123456789" }], /check digit/],
    ["12 digits", [{ code: "S1/A/01", zone: "A", gln: "952012345678" }], /13-digit/],
    ["an extension without a GLN", [{ code: "S1/A/01", zone: "A", glnExtension: "X" }], /needs gln/],
    [
      "an extension of 21 characters",
      [{ code: "S1/A/01", zone: "A", gln: "9520123456788", glnExtension: "x".repeat(21) }],
      /character set 82/,
    ],
    [
      "an extension outside character set 82",
      [{ code: "S1/A/01", zone: "A", gln: "9520123456788", glnExtension: "a b" }],
      /character set 82/,
    ],
    [
      "one label on two locations",
      [
        { code: "S1/A/01", zone: "A", gln: "9520123456788", glnExtension: "1" },
        { code: "S1/A/02", zone: "A", gln: "9520123456788", glnExtension: "1" },
      ],
      /duplicate location GLN 9520123456788\/1/,
    ],
  ])("refuses %s", (_, locations, message) => {
    expect(messages(site(locations)).join("\n")).toMatch(message);
  });

  it("checks a scanner's returnsLocation against the locations", () => {
    const locations = [{ code: "S1/A/01", zone: "A" }];
    const scanner = (returnsLocation: string) => ({ id: "sc", kind: "scanner", location: "S1/A/01", returnsLocation });
    expect(messages(site(locations, [scanner("S1/A/01")]))).toEqual([]);
    expect(messages(site(locations, [scanner("S1/A/09")])).join("\n")).toMatch(/unknown location S1\/A\/09/);
  });
});
