import { describe, expect, it } from "vitest";
import { demoSite } from "../testing/demo-site.js";
import { mosquittoAcl } from "./mosquitto-acl.js";

describe("mosquittoAcl", () => {
  const acl = mosquittoAcl(demoSite(), "tally-edge");
  const block = (user: string) => {
    const start = acl.indexOf(`user ${user}\n`);
    const end = acl.indexOf("\n\n", start);
    return acl
      .slice(start, end === -1 ? undefined : end)
      .trim()
      .split("\n");
  };

  it("gives each MQTT device its own topics on its kind's channels and its own dead letters", () => {
    expect(block("scanner-1")).toEqual([
      "user scanner-1",
      "topic write tally/v1/DEMO/dev/scanner-1/scan",
      "topic write tally/v1/DEMO/dev/scanner-1/hb",
      "topic read tally/v1/DEMO/dead-letter/scanner-1",
    ]);
    expect(block("portal-d1")).toContain("topic write tally/v1/DEMO/dev/portal-d1/read");
    expect(block("temp-c1")).toContain("topic write tally/v1/DEMO/dev/temp-c1/temp");
  });

  it("lets the edge read every device topic and write dead letters", () => {
    expect(block("tally-edge")).toEqual([
      "user tally-edge",
      "topic read tally/v1/DEMO/dev/#",
      "topic write tally/v1/DEMO/dead-letter/#",
    ]);
  });

  it("grants nothing outside user blocks and nothing to OPC-UA shelves", () => {
    const beforeFirstUser = acl.slice(0, acl.indexOf("user "));
    expect(beforeFirstUser).not.toMatch(/^topic|^pattern/m);
    expect(acl).not.toMatch(/user shelf-1/);
    expect(acl).not.toMatch(/\$SYS|topic (read|write|readwrite) #/);
  });
});
