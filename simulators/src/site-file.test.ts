import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadSiteLayout, readSiteFile } from "./site-file.js";
import { demoSiteText } from "./test-support.js";

describe("loadSiteLayout", () => {
  it("loads the demo site, YAML or JSON", () => {
    const site = loadSiteLayout(demoSiteText);
    expect(site.siteId).toBe("DEMO");
    expect(site.devices.map((d) => d.id)).toEqual(["portal-d1", "scanner-1", "shelf-1", "temp-c1"]);
    expect(loadSiteLayout(JSON.stringify(site))).toEqual(site);
  });

  it("names the path of what is wrong", () => {
    const bad = demoSiteText.replace(
      "{ id: scanner-1, kind: scanner, location: DEMO/DOCK/D1 }",
      "{ id: scanner-1, kind: scanner, location: DEMO/DOCK/D9 }",
    );
    expect(() => loadSiteLayout(bad)).toThrow(/devices\.1: unknown location DEMO\/DOCK\/D9/);
    try {
      loadSiteLayout(bad);
    } catch (err) {
      expect(err).toMatchObject({ code: "TALLY_ERR_SITE_LAYOUT_INVALID" });
    }
  });

  it("refuses text that is not YAML", () => {
    expect(() => loadSiteLayout("siteId: [")).toThrow(/not valid YAML/);
  });

  it("refuses a zone of an unknown kind, with its path", () => {
    expect(() =>
      loadSiteLayout(demoSiteText.replace("{ id: SHIP, kind: shipping", "{ id: SHIP, kind: garage")),
    ).toThrow(/zones\.3\.kind/);
  });
});

describe("readSiteFile", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it("reads a file and prefixes errors with its path", async () => {
    dir = mkdtempSync(join(tmpdir(), "tally-site-"));
    const good = join(dir, "site.yaml");
    const bad = join(dir, "bad.yaml");
    writeFileSync(good, demoSiteText);
    writeFileSync(bad, "siteId: DEMO\n");
    expect((await readSiteFile(good)).siteId).toBe("DEMO");
    await expect(readSiteFile(bad)).rejects.toThrow(`${bad}: site file: zones`);
    await expect(readSiteFile(join(dir, "missing.yaml"))).rejects.toThrow(/missing\.yaml: cannot read/);
  });
});
