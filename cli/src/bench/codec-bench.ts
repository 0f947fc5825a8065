import { decodeSgtin96, encodeSgtin96, parseDeviceMessage } from "@tally/protocols";
import { type Benchmark, throughput, withBaseline } from "./bench-result.js";

function sampleEpcs(count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const hex = encodeSgtin96({ gtin: "00614141000012", companyPrefixDigits: 7, serial: 1_000_000 + i * 7919 });
    if (hex.ok) out.push(hex.value);
  }
  return out;
}

/**
 * EPC decode throughput: SGTIN-96 hex → fields, GTIN and URIs. Baseline: the
 * bare BigInt conversion of the same hex, which every decode starts with.
 */
export const epcDecodeBench: Benchmark = {
  name: "epc-decode",
  description: "SGTIN-96 decodes per second against a bare hex→BigInt conversion",
  run: async () => {
    const epcs = sampleEpcs(10_000);
    const value = throughput(epcs, (hex) => decodeSgtin96(hex));
    const baseline = throughput(epcs, (hex) => BigInt(`0x${hex}`));
    return [withBaseline({ name: "epc-decode", unit: "decodes/s", value }, baseline)];
  },
};

/**
 * Device message parsing: a 50-read tag message through size check, JSON and
 * the zod schema, against JSON.parse alone of the same bytes.
 */
export const readMessageBench: Benchmark = {
  name: "read-message",
  description: "50-read tag messages parsed and validated per second against JSON.parse alone",
  run: async () => {
    const epcs = sampleEpcs(50);
    const payloads = Array.from({ length: 200 }, (_, m) =>
      Buffer.from(
        JSON.stringify({
          reads: epcs.map((epc, i) => ({
            epc,
            antenna: 1 + (i % 2),
            rssi: -40 - ((m + i) % 30),
            readAt: new Date(Date.UTC(2026, 10, 22, 8, 0, m % 60, i)).toISOString(),
          })),
        }),
      ),
    );
    const value = throughput(payloads, (p) => parseDeviceMessage("read", p));
    const baseline = throughput(payloads, (p) => JSON.parse(p.toString("utf8")));
    return [
      withBaseline({ name: "read-message", unit: "messages/s", value, details: { readsPerMessage: 50 } }, baseline),
    ];
  },
};
