import { describe, expect, it } from "vitest";
import { aiAt, GS1_AI_TABLE, lookupAi, PREDEFINED_LENGTH_PREFIXES } from "./ai-table.js";

describe("GS1 Application Identifier table (General Specifications §3.2)", () => {
  it("holds every AI used in logistics and retail", () => {
    const required = [
      "00",
      "01",
      "02",
      "10",
      "11",
      "12",
      "13",
      "15",
      "16",
      "17",
      "20",
      "21",
      "22",
      "235",
      "240",
      "241",
      "242",
      "243",
      "250",
      "251",
      "253",
      "254",
      "255",
      "30",
      "37",
      "400",
      "401",
      "402",
      "403",
      "410",
      "411",
      "412",
      "413",
      "414",
      "415",
      "416",
      "417",
      "420",
      "421",
      "422",
      "423",
      "424",
      "425",
      "426",
      "427",
      "7001",
      "7002",
      "7003",
      "7004",
      "7005",
      "7006",
      "7007",
      "7008",
      "7009",
      "7010",
      "7011",
      "8001",
      "8002",
      "8003",
      "8004",
      "8005",
      "8006",
      "8007",
      "8008",
      "8017",
      "8018",
      "8020",
      "90",
      "91",
      "92",
      "93",
      "94",
      "95",
      "96",
      "97",
      "98",
      "99",
    ];
    for (const family of ["310", "311", "312", "313", "314", "315", "316"]) {
      for (let n = 0; n <= 5; n++) required.push(`${family}${n}`);
    }
    for (let family = 320; family <= 369; family++) {
      if ([338, 339].includes(family) || (family >= 358 && family <= 359)) continue; // not assigned
      for (let n = 0; n <= 5; n++) required.push(`${family}${n}`);
    }
    for (const family of ["390", "391", "392", "393"]) for (let n = 0; n <= 9; n++) required.push(`${family}${n}`);
    for (let n = 0; n <= 3; n++) required.push(`394${n}`);
    for (let n = 0; n <= 5; n++) required.push(`395${n}`);
    expect(required.filter((ai) => !GS1_AI_TABLE.has(ai))).toEqual([]);
  });

  // §3.1: no AI is the prefix of another, so AIs need no delimiter.
  it("is prefix-free", () => {
    const ais = [...GS1_AI_TABLE.keys()];
    const clashes = ais.filter((a) => ais.some((b) => a !== b && b.startsWith(a)));
    expect(clashes).toEqual([]);
  });

  // §7.8, figure "element strings with predefined length using AIs" (7.8.4-2 in
  // Release 18): total lengths (AI + data) of the predefined-length AIs.
  it.each([
    ["00", 20],
    ["01", 16],
    ["02", 16],
    ["11", 8],
    ["17", 8],
    ["20", 4],
    ["3103", 10],
    ["3695", 10],
    ["410", 16],
    ["417", 16],
  ])("(%s) has predefined length %i and needs no FNC1", (ai, total) => {
    const definition = lookupAi(ai);
    expect(definition?.predefinedLength).toBe(true);
    expect((definition?.maxLength ?? 0) + ai.length).toBe(total);
    expect(definition?.minLength).toBe(definition?.maxLength);
  });

  it("requires FNC1 after fixed-length AIs outside the predefined table (8006, 7003, 402, 422)", () => {
    for (const ai of ["8006", "7003", "402", "422", "10", "21", "3922", "8008"]) {
      expect(lookupAi(ai)?.predefinedLength, ai).toBe(false);
    }
    expect(
      [...GS1_AI_TABLE.values()]
        .filter((d) => d.predefinedLength)
        .every((d) => PREDEFINED_LENGTH_PREFIXES.has(d.ai.slice(0, 2))),
    ).toBe(true);
  });

  it("describes formats, check digits, dates and decimals", () => {
    expect(lookupAi("253")).toMatchObject({
      format: "N3+N13+X..17",
      minLength: 13,
      maxLength: 30,
      checkDigit: { start: 0, length: 13 },
    });
    expect(lookupAi("8003")).toMatchObject({ checkDigit: { start: 1, length: 13 } });
    expect(lookupAi("00")).toMatchObject({ format: "N2+N18", checkDigit: { start: 0, length: 18 } });
    expect(lookupAi("3103")?.value).toEqual({ kind: "decimal", decimals: 3, unit: "kg" });
    expect(lookupAi("3202")?.value).toEqual({ kind: "decimal", decimals: 2, unit: "lb" });
    expect(lookupAi("3932")?.value).toEqual({ kind: "decimal", decimals: 2, currency: true });
    expect(lookupAi("17")?.value).toEqual({ kind: "date", dayZero: true });
    expect(lookupAi("7006")?.value).toEqual({ kind: "date", dayZero: false });
    expect(lookupAi("01")?.dlQualifiers).toEqual([["22", "10", "21"], ["235"]]);
  });

  it("finds the AI at an offset of raw data", () => {
    expect(aiAt("0109506000134352", 0)?.ai).toBe("01");
    expect(aiAt("xx3103000123", 2)?.ai).toBe("3103");
    expect(aiAt("23", 0)).toBeUndefined();
    expect(aiAt("7", 0)).toBeUndefined();
  });
});
