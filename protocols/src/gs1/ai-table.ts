/**
 * GS1 Application Identifiers: the table of GS1 General Specifications §3.2
 * ("GS1 Application Identifiers in numerical order"), with each AI's format
 * broken into components as in the GS1 Barcode Syntax Dictionary, whether it
 * needs FNC1 after it (§7.8, figure "element strings with predefined length"),
 * where its check digit is, how its value is typed, and its GS1 Digital Link
 * key qualifiers (GS1 Digital Link Standard: URI Syntax §4).
 */

/**
 * Character sets of AI data (GS1 General Specifications §7.11):
 * N digits, X CSET 82, Y CSET 39, Z CSET 64 (file-safe base64 with `=`).
 */
export type Gs1Charset = "N" | "X" | "Y" | "Z";

/** One part of an AI's data field, e.g. the `N3` currency of AI 391n. */
export interface Gs1Component {
  charset: Gs1Charset;
  min: number;
  max: number;
  /** An optional trailing part (`[X..17]` of AI 253). */
  optional: boolean;
}

/** How an AI's value is typed in a {@link Gs1Element}. */
export type Gs1ValueKind =
  | { kind: "string" }
  | { kind: "integer" }
  /** The last digit of the AI is the number of decimal places (31nn–36nn, 390n–395n). */
  | { kind: "decimal"; decimals: number; unit?: string; currency?: boolean }
  /** YYMMDD; `dayZero`: DD = 00 stands for the last day of the month (§3.4, AIs 11–17). */
  | { kind: "date"; dayZero: boolean }
  /** YYMMDD followed by HHMM (7003, 4324, 4325), HH[MM[SS]] (8008), or optional [HHMM] (7011). */
  | { kind: "datetime"; dayZero: boolean }
  /** YYMMDD with an optional second YYMMDD (7007 harvest date). */
  | { kind: "date-range" };

/** One Application Identifier. */
export interface Gs1AiDefinition {
  ai: string;
  /** Data title, as on a human-readable label ("GTIN", "BATCH/LOT"). */
  title: string;
  /** Format as in the GS1 General Specifications, e.g. "N2+N14" (the AI's own digits first). */
  format: string;
  components: readonly Gs1Component[];
  minLength: number;
  maxLength: number;
  /** In the predefined-length table: no FNC1 (GS) is needed after it. */
  predefinedLength: boolean;
  /** The span `[start, start + length)` of the value that ends in a GS1 mod-10 check digit. */
  checkDigit?: { start: number; length: number };
  /** The value ends in a GS1 alphanumeric check character pair (GMN, §7.9.5). */
  checkCharacterPair?: boolean;
  value: Gs1ValueKind;
  /** GS1 Digital Link: this AI is a primary key; the alternative ordered qualifier sequences. */
  dlQualifiers?: readonly (readonly string[])[];
}

/**
 * GS1 General Specifications §7.8 (figure "element strings with predefined
 * length using GS1 Application Identifiers", 7.8.4-2 in Release 18): the first
 * two digits of the AIs that never need FNC1 after them.
 */
export const PREDEFINED_LENGTH_PREFIXES: ReadonlySet<string> = new Set([
  "00",
  "01",
  "02",
  "03",
  "04",
  "11",
  "12",
  "13",
  "14",
  "15",
  "16",
  "17",
  "18",
  "19",
  "20",
  "31",
  "32",
  "33",
  "34",
  "35",
  "36",
  "41",
]);

function parseComponents(spec: string): Gs1Component[] {
  return spec.split(" ").map((part) => {
    const optional = part.startsWith("[");
    const match = /^\[?([NXYZ])(\.\.)?(\d+)\]?$/.exec(part);
    if (!match) throw new Error(`bad AI spec ${spec}`); // table construction only; covered by tests
    const charset = match[1] as Gs1Charset;
    const size = Number(match[3]);
    return { charset, min: match[2] ? (optional ? 0 : 1) : size, max: size, optional };
  });
}

function formatOf(ai: string, components: readonly Gs1Component[]): string {
  const parts = components.map((c) => (c.min === c.max ? `${c.charset}${c.max}` : `${c.charset}..${c.max}`));
  return [`N${ai.length}`, ...parts].join("+");
}

interface RowOptions {
  check?: readonly [number, number];
  pair?: boolean;
  value?: Gs1ValueKind;
  dl?: readonly (readonly string[])[];
}

const table = new Map<string, Gs1AiDefinition>();

function row(ai: string, title: string, spec: string, options: RowOptions = {}): void {
  const components = parseComponents(spec);
  const definition: Gs1AiDefinition = {
    ai,
    title,
    format: formatOf(ai, components),
    components,
    minLength: components.reduce((sum, c) => sum + (c.optional ? 0 : c.min), 0),
    maxLength: components.reduce((sum, c) => sum + c.max, 0),
    predefinedLength: PREDEFINED_LENGTH_PREFIXES.has(ai.slice(0, 2)),
    value: options.value ?? { kind: "string" },
    ...(options.check ? { checkDigit: { start: options.check[0], length: options.check[1] } } : {}),
    ...(options.pair ? { checkCharacterPair: true } : {}),
    ...(options.dl ? { dlQualifiers: options.dl } : {}),
  };
  table.set(ai, definition);
}

const date: Gs1ValueKind = { kind: "date", dayZero: true };
const strictDate: Gs1ValueKind = { kind: "date", dayZero: false };
const integer: Gs1ValueKind = { kind: "integer" };

// §3.2: identification keys and their qualifiers.
row("00", "SSCC", "N18", { check: [0, 18], dl: [[]] });
row("01", "GTIN", "N14", { check: [0, 14], dl: [["22", "10", "21"], ["235"]] });
row("02", "CONTENT", "N14", { check: [0, 14] });
row("10", "BATCH/LOT", "X..20");
row("11", "PROD DATE", "N6", { value: date });
row("12", "DUE DATE", "N6", { value: date });
row("13", "PACK DATE", "N6", { value: date });
row("15", "BEST BEFORE or BEST BY", "N6", { value: date });
row("16", "SELL BY", "N6", { value: date });
row("17", "USE BY OR EXPIRY", "N6", { value: date });
row("20", "VARIANT", "N2");
row("21", "SERIAL", "X..20");
row("22", "CPV", "X..20");
row("235", "TPX", "X..28");
row("240", "ADDITIONAL ID", "X..30");
row("241", "CUST. PART No.", "X..30");
row("242", "MTO VARIANT", "N..6");
row("243", "PCN", "X..20");
row("250", "SECONDARY SERIAL", "X..30");
row("251", "REF. TO SOURCE", "X..30");
row("253", "GDTI", "N13 [X..17]", { check: [0, 13], dl: [[]] });
row("254", "GLN EXTENSION COMPONENT", "X..20");
row("255", "GCN", "N13 [N..12]", { check: [0, 13], dl: [[]] });
row("30", "VAR. COUNT", "N..8", { value: integer });

// §3.6: trade and logistic measures. The fourth digit n is the number of
// decimal places (0–5); e.g. (3103)000123 is 0.123 kg.
const MEASURES: readonly (readonly [string, string, string])[] = [
  ["310", "NET WEIGHT (kg)", "kg"],
  ["311", "LENGTH (m)", "m"],
  ["312", "WIDTH (m)", "m"],
  ["313", "HEIGHT (m)", "m"],
  ["314", "AREA (m²)", "m2"],
  ["315", "NET VOLUME (l)", "l"],
  ["316", "NET VOLUME (m³)", "m3"],
  ["320", "NET WEIGHT (lb)", "lb"],
  ["321", "LENGTH (in)", "in"],
  ["322", "LENGTH (ft)", "ft"],
  ["323", "LENGTH (yd)", "yd"],
  ["324", "WIDTH (in)", "in"],
  ["325", "WIDTH (ft)", "ft"],
  ["326", "WIDTH (yd)", "yd"],
  ["327", "HEIGHT (in)", "in"],
  ["328", "HEIGHT (ft)", "ft"],
  ["329", "HEIGHT (yd)", "yd"],
  ["330", "GROSS WEIGHT (kg)", "kg"],
  ["331", "LENGTH (m), log", "m"],
  ["332", "WIDTH (m), log", "m"],
  ["333", "HEIGHT (m), log", "m"],
  ["334", "AREA (m²), log", "m2"],
  ["335", "VOLUME (l), log", "l"],
  ["336", "VOLUME (m³), log", "m3"],
  ["337", "KG PER m²", "kg/m2"],
  ["340", "GROSS WEIGHT (lb)", "lb"],
  ["341", "LENGTH (in), log", "in"],
  ["342", "LENGTH (ft), log", "ft"],
  ["343", "LENGTH (yd), log", "yd"],
  ["344", "WIDTH (in), log", "in"],
  ["345", "WIDTH (ft), log", "ft"],
  ["346", "WIDTH (yd), log", "yd"],
  ["347", "HEIGHT (in), log", "in"],
  ["348", "HEIGHT (ft), log", "ft"],
  ["349", "HEIGHT (yd), log", "yd"],
  ["350", "AREA (in²)", "in2"],
  ["351", "AREA (ft²)", "ft2"],
  ["352", "AREA (yd²)", "yd2"],
  ["353", "AREA (in²), log", "in2"],
  ["354", "AREA (ft²), log", "ft2"],
  ["355", "AREA (yd²), log", "yd2"],
  ["356", "NET WEIGHT (troy oz)", "oz t"],
  ["357", "NET VOLUME (oz)", "fl oz"],
  ["360", "NET VOLUME (qt)", "qt"],
  ["361", "NET VOLUME (gal.)", "gal"],
  ["362", "VOLUME (qt), log", "qt"],
  ["363", "VOLUME (gal.), log", "gal"],
  ["364", "VOLUME (in³)", "in3"],
  ["365", "VOLUME (ft³)", "ft3"],
  ["366", "VOLUME (yd³)", "yd3"],
  ["367", "VOLUME (in³), log", "in3"],
  ["368", "VOLUME (ft³), log", "ft3"],
  ["369", "VOLUME (yd³), log", "yd3"],
];
for (const [family, title, unit] of MEASURES) {
  for (let n = 0; n <= 5; n++) row(`${family}${n}`, title, "N6", { value: { kind: "decimal", decimals: n, unit } });
}

row("37", "COUNT", "N..8", { value: integer });

// §3.6.x: amounts and prices; 391n and 393n start with an ISO 4217 numeric currency.
for (let n = 0; n <= 9; n++) {
  row(`390${n}`, "AMOUNT", "N..15", { value: { kind: "decimal", decimals: n } });
  row(`391${n}`, "AMOUNT", "N3 N..15", { value: { kind: "decimal", decimals: n, currency: true } });
  row(`392${n}`, "PRICE", "N..15", { value: { kind: "decimal", decimals: n } });
  row(`393${n}`, "PRICE", "N3 N..15", { value: { kind: "decimal", decimals: n, currency: true } });
}
for (let n = 0; n <= 3; n++) row(`394${n}`, "PRCNT OFF", "N4", { value: { kind: "decimal", decimals: n, unit: "%" } });
for (let n = 0; n <= 5; n++) row(`395${n}`, "PRICE/UoM", "N6", { value: { kind: "decimal", decimals: n } });

row("400", "ORDER NUMBER", "X..30");
row("401", "GINC", "X..30", { dl: [[]] });
row("402", "GSIN", "N17", { check: [0, 17], dl: [[]] });
row("403", "ROUTE", "X..30");
row("410", "SHIP TO LOC", "N13", { check: [0, 13] });
row("411", "BILL TO", "N13", { check: [0, 13] });
row("412", "PURCHASE FROM", "N13", { check: [0, 13] });
row("413", "SHIP FOR LOC", "N13", { check: [0, 13] });
row("414", "LOC No.", "N13", { check: [0, 13], dl: [["254"], ["7040"]] });
row("415", "PAY TO", "N13", { check: [0, 13], dl: [["8020"]] });
row("416", "PROD/SERV LOC", "N13", { check: [0, 13] });
row("417", "PARTY", "N13", { check: [0, 13], dl: [["7040"]] });
row("420", "SHIP TO POST", "X..20");
row("421", "SHIP TO POST", "N3 X..9");
row("422", "ORIGIN", "N3");
row("423", "COUNTRY - INITIAL PROCESS", "N..15");
row("424", "COUNTRY - PROCESS", "N3");
row("425", "COUNTRY - DISASSEMBLY", "N..15");
row("426", "COUNTRY - FULL PROCESS", "N3");
row("427", "ORIGIN SUBDIVISION", "X..3");

row("7001", "NSN", "N13");
row("7002", "MEAT CUT", "X..30");
row("7003", "EXPIRY TIME", "N6 N4", { value: { kind: "datetime", dayZero: false } });
row("7004", "ACTIVE POTENCY", "N..4");
row("7005", "CATCH AREA", "X..12");
row("7006", "FIRST FREEZE DATE", "N6", { value: strictDate });
row("7007", "HARVEST DATE", "N6 [N6]", { value: { kind: "date-range" } });
row("7008", "AQUATIC SPECIES", "X..3");
row("7009", "FISHING GEAR TYPE", "X..10");
row("7010", "PROD METHOD", "X..2");
row("7011", "TEST BY DATE", "N6 [N4]", { value: { kind: "datetime", dayZero: false } });
row("7020", "REFURB LOT", "X..20");
row("7021", "FUNC STAT", "X..20");
row("7022", "REV STAT", "X..20");
row("7023", "GIAI - ASSEMBLY", "X..30");
for (let n = 0; n <= 9; n++) row(`703${n}`, `PROCESSOR # ${n}`, "N3 X..27");
row("7040", "UIC+EXT", "N1 X1 X1 X1");
for (const [ai, title] of [
  ["710", "NHRN PZN"],
  ["711", "NHRN CIP"],
  ["712", "NHRN CN"],
  ["713", "NHRN DRN"],
  ["714", "NHRN AIM"],
  ["715", "NHRN NDC"],
] as const) {
  row(ai, title, "X..20");
}
for (let n = 0; n <= 9; n++) row(`723${n}`, `CERT # ${n + 1}`, "X2 X..28");
row("7240", "PROTOCOL", "X..20");

row("8001", "DIMENSIONS", "N14");
row("8002", "CMT No.", "X..20");
row("8003", "GRAI", "N14 [X..16]", { check: [1, 13], dl: [[]] });
row("8004", "GIAI", "X..30", { dl: [["7040"]] });
row("8005", "PRICE PER UNIT", "N6");
row("8006", "ITIP", "N14 N2 N2", { check: [0, 14], dl: [["22", "10", "21"]] });
row("8007", "IBAN", "X..34");
row("8008", "PROD TIME", "N8 [N..4]", { value: { kind: "datetime", dayZero: false } });
row("8009", "OPTSEN", "X..50");
row("8010", "CPID", "Y..30", { dl: [["8011"]] });
row("8011", "CPID SERIAL", "N..12");
row("8012", "VERSION", "X..20");
row("8013", "GMN", "X..25", { pair: true, dl: [[]] });
row("8017", "GSRN - PROVIDER", "N18", { check: [0, 18], dl: [["8019"]] });
row("8018", "GSRN - RECIPIENT", "N18", { check: [0, 18], dl: [["8019"]] });
row("8019", "SRIN", "N..10");
row("8020", "REF No.", "X..25");
row("8026", "ITIP CONTENT", "N14 N2 N2", { check: [0, 14] });
row("8030", "DIGSIG", "Z..90");
row("8110", "COUPON", "X..70");
row("8111", "POINTS", "N4");
row("8112", "PAPERLESS COUPON", "X..70");
row("8200", "PRODUCT URL", "X..70");
row("90", "INTERNAL", "X..30");
for (let n = 1; n <= 9; n++) row(`9${n}`, "INTERNAL", "X..90");

/** Every Application Identifier Tally knows, by AI. */
export const GS1_AI_TABLE: ReadonlyMap<string, Gs1AiDefinition> = table;

/** The definition of `ai`, or undefined when the AI is not in the table. */
export function lookupAi(ai: string): Gs1AiDefinition | undefined {
  return table.get(ai);
}

/**
 * The AI at `offset` of `data`: AIs are 2 to 4 digits and no AI is a prefix of
 * another (GS1 General Specifications §3.1), so at most one length matches.
 */
export function aiAt(data: string, offset: number): Gs1AiDefinition | undefined {
  for (let length = 2; length <= 4; length++) {
    const candidate = data.slice(offset, offset + length);
    if (candidate.length < length) return undefined;
    const definition = table.get(candidate);
    if (definition) return definition;
  }
  return undefined;
}

/** GS1 Digital Link primary keys (AIs with {@link Gs1AiDefinition.dlQualifiers}). */
export function isDigitalLinkPrimaryKey(ai: string): boolean {
  return table.get(ai)?.dlQualifiers !== undefined;
}
