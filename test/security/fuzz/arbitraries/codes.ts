import { elementsToDigitalLink, encodeEpc, formatBracketed, formatRaw, gs1CheckDigit } from "@tally/protocols";
import fc from "fast-check";
import { hostileString } from "./hostile-json.js";
import { mutateText, textMutation } from "./mutations.js";

const digit = fc.constantFrom(..."0123456789");
const digits = (min: number, max = min) => fc.string({ unit: digit, minLength: min, maxLength: max });
const HEX = "0123456789ABCDEFabcdef";

/** A valid SGTIN-96 or SSCC-96 tag URI (TDS 2.x §6.3.1, §6.3.2): company prefix 6–12 digits, filter 0–7. */
export const epcTagUri: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 6, max: 12 }), digits(17), fc.integer({ min: 0, max: 7 }), fc.bigInt(0n, (1n << 38n) - 1n))
  .chain(([prefixDigits, d, filter, serial]) =>
    fc.constantFrom(
      // SGTIN: company prefix + indicator/item reference = 13 digits; SSCC: + serial reference = 17 digits.
      `urn:epc:tag:sgtin-96:${filter}.${d.slice(0, prefixDigits)}.${d.slice(prefixDigits, 13)}.${serial}`,
      `urn:epc:tag:sscc-96:${filter}.${d.slice(0, prefixDigits)}.${d.slice(prefixDigits, 17)}`,
    ),
  );

/** The hex of a valid tag URI, and the URI. */
export const validEpc: fc.Arbitrary<{ uri: string; hex: string }> = epcTagUri.map((uri) => {
  const encoded = encodeEpc(uri);
  if (!encoded.ok) throw new Error(`the generator made an EPC URI the codec refuses: ${uri}: ${encoded.error.message}`);
  return { uri, hex: encoded.value };
});

/** Hex the decoder must judge: random hex of any length, known headers with random bits, mutations of valid EPCs. */
export const hostileEpcHex: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.constantFrom(...HEX), maxLength: 200 }),
  fc
    .tuple(fc.constantFrom("30", "31", "32", "33", "34", "36", "E2", "00", "FF"), fc.constantFrom(22, 50, 30, 122, 124))
    .chain(([header, length]) =>
      fc.string({ unit: fc.constantFrom(...HEX), minLength: length, maxLength: length }).map((rest) => header + rest),
    ),
  fc.tuple(validEpc, fc.array(textMutation, { minLength: 1, maxLength: 3 })).map(([e, m]) => mutateText(e.hex, m)),
  hostileString,
);

/** URIs the encoder must judge: mutations of valid tag and pure identity URIs, other schemes, hostile text. */
export const hostileEpcUri: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(epcTagUri, fc.array(textMutation, { minLength: 1, maxLength: 3 })).map(([uri, m]) => mutateText(uri, m)),
  fc
    .tuple(
      fc.constantFrom(
        "urn:epc:id:sgtin:",
        "urn:epc:id:sgln:",
        "urn:epc:id:grai:",
        "urn:epc:id:giai:",
        "urn:epc:tag:sgtin-198:1.",
        "urn:epc:raw:96.x",
        "urn:epc:tag:giai-96:0.",
      ),
      fc.array(fc.oneof(digits(0, 14), hostileString, fc.constantFrom("%2F", "%", "%zz", "%00", "*")), {
        maxLength: 4,
      }),
    )
    .map(([prefix, parts]) => prefix + parts.join(".")),
  hostileString,
);

/** A GTIN-14 with its check digit. */
const gtin = digits(13).map((d) => `${d}${gs1CheckDigit(d)}`);
const yymmdd = fc
  .date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2049-12-31T00:00:00Z"), noInvalidDate: true })
  .map((d) => d.toISOString().slice(2, 10).replaceAll("-", ""));
const cset82 = fc.string({ unit: fc.constantFrom(..."ABCXYZ0189-./_"), minLength: 1, maxLength: 20 });

/** A valid element list: GTIN first, then lot, expiry, serial and a count in some order. */
const elements = fc
  .tuple(
    gtin,
    fc.uniqueArray(
      fc.oneof(
        cset82.map((raw) => ({ ai: "10", raw })),
        yymmdd.map((raw) => ({ ai: "17", raw })),
        cset82.map((raw) => ({ ai: "21", raw })),
        digits(1, 8).map((raw) => ({ ai: "30", raw })),
      ),
      { selector: (e) => e.ai, maxLength: 4 },
    ),
  )
  .map(([g, rest]) => [{ ai: "01", raw: g }, ...rest]);

/** An EAN-13 or EAN-8 as a scanner sends it, with or without its identifier. */
const ean13 = digits(12).map((d) => `${d}${gs1CheckDigit(d)}`);
const ean8 = digits(7).map((d) => `${d}${gs1CheckDigit(d)}`);
const retailSymbol = fc.oneof(
  ean13,
  ean13.map((code) => `]E0${code}`),
  ean8,
  ean8.map((code) => `]E4${code}`),
);

/** Valid GS1 data in each form the scanner path reads. */
export const validGs1: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(elements, fc.constantFrom("bracketed", "raw", "raw-fnc1", "digital-link", "qr-digital-link"))
      .map(([list, form]) => {
        if (form === "bracketed") return formatBracketed(list);
        if (form === "raw") return formatRaw(list, "]d2");
        // FNC1 in first position sent as a GS instead of an identifier.
        if (form === "raw-fnc1") return formatRaw(list, "\u001d");
        const link = elementsToDigitalLink(list);
        if (!link.ok)
          throw new Error(`the generator made elements Digital Link refuses: ${JSON.stringify(link.errors)}`);
        return form === "qr-digital-link" ? `]Q1${link.value}` : link.value;
      }),
  },
  { weight: 1, arbitrary: retailSymbol },
);

/** Text the GS1 parsers must judge: mutations of valid data, GS1-looking noise, long inputs, hostile text. */
export const hostileGs1: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(validGs1, fc.array(textMutation, { minLength: 1, maxLength: 4 }))
      .map(([v, m]) => mutateText(v, m)),
  },
  {
    weight: 2,
    arbitrary: fc.string({ unit: fc.constantFrom(..."()0123456789]dCQEe\u001d/:?=&%#ABCxyz. "), maxLength: 120 }),
  },
  { weight: 1, arbitrary: fc.tuple(validGs1, fc.integer({ min: 1, max: 9000 })).map(([v, n]) => v + "1".repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 8000, max: 9000 }).map((n) => `(01)${"9".repeat(n)}`) },
  { weight: 2, arbitrary: hostileString },
);
