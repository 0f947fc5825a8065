import { describe, expect, it } from "vitest";
import { telemetryLine } from "./influx-line-protocol.js";

const AT = "2026-12-03T12:00:00.000Z";

describe("telemetryLine", () => {
  it("writes a reading with its aggregates, tags in key order and escaped", () => {
    // Twice: the second time its escaped tags come from the cache.
    for (let i = 0; i < 2; i++) {
      expect(
        telemetryLine({
          id: "a",
          siteId: "S 1",
          deviceId: "t,1",
          metric: "temperature",
          unit: "Cel",
          location: "S 1/CO=LD/B\\1",
          at: AT,
          value: 4.5,
        }),
      ).toBe(
        "telemetry,deviceId=t\\,1,location=S\\ 1/CO\\=LD/B\\1,metric=temperature,siteId=S\\ 1,unit=Cel,zone=CO\\=LD " +
          `count=1i,max=4.5,min=4.5,sum=4.5,value=4.5 ${Date.parse(AT)}`,
      );
    }
  });

  it("writes a summary's own figures and period, a detail tag, and leaves an empty unit out", () => {
    const base = { id: "s", siteId: "S1", deviceId: "t1", metric: "count:SKU", unit: "", at: AT };
    expect(telemetryLine({ ...base, value: 4, summary: { periodS: 60, min: 2, max: 7, count: 6 } })).toBe(
      `telemetry,deviceId=t1,metric=count:SKU,siteId=S1 count=6i,max=7,min=2,sum=24,value=4,periodS=60i ${Date.parse(AT)}`,
    );
    expect(telemetryLine({ ...base, value: 9, detail: true })).toBe(
      `telemetry,deviceId=t1,detail=true,metric=count:SKU,siteId=S1 count=1i,max=9,min=9,sum=9,value=9 ${Date.parse(AT)}`,
    );
  });

  it("writes the time it is given, parsed once by the caller, in ms", () => {
    const point = { id: "a", siteId: "S1", deviceId: "t1", metric: "m", unit: "", at: AT, value: 1 };
    expect(telemetryLine(point, Date.parse(AT))).toBe(telemetryLine(point));
    expect(telemetryLine(point, 1234)).toMatch(/,value=1 1234$/);
  });

  it("keeps the series of one device apart, however many it has, and a value's fields to the value", () => {
    const base = { id: "a", siteId: "S1", deviceId: "multi", metric: "m", unit: "", at: AT, value: 1 };
    const variants = Array.from({ length: 40 }, (_, i) => ({
      ...base,
      metric: `m${i % 20}`,
      ...(i % 3 === 0 && { location: `S1/Z${i}/B1` }),
      ...(i % 2 === 0 && { unit: "Cel" }),
      detail: i % 5 === 0,
      value: i % 7 === 0 ? -0 : i / 10,
    }));
    // Each line as it would be made afresh (its own escapes only), twice round: the second from the caches.
    const expected = (p: (typeof variants)[number]) =>
      `telemetry,deviceId=multi${p.detail ? ",detail=true" : ""}${p.location === undefined ? "" : `,location=${p.location}`}` +
      `,metric=${p.metric},siteId=S1${p.unit === "" ? "" : ",unit=Cel"}${p.location === undefined ? "" : `,zone=${p.location.split("/")[1]}`}` +
      ` count=1i,max=${p.value},min=${p.value},sum=${p.value},value=${p.value} 7`;
    for (let round = 0; round < 2; round++) {
      for (const p of variants) expect(telemetryLine(p, 7)).toBe(expected(p));
    }
  });
});
