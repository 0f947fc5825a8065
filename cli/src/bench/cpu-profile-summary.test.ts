import { describe, expect, it } from "vitest";
import { type CpuProfile, formatProfileSummary, shortFile, summariseCpuProfile } from "./cpu-profile-summary.js";

const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });

/** root → main (a.ts) → work (b.ts) → work (b.ts, recursion) ; main → parse (node_modules/zod) */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame("(root)", ""), children: [2] },
    { id: 2, callFrame: frame("main", "file:///repo/edge/src/a.ts"), children: [3, 5] },
    { id: 3, callFrame: frame("work", "file:///repo/edge/src/b.ts"), children: [4] },
    { id: 4, callFrame: frame("work", "file:///repo/edge/src/b.ts") },
    { id: 5, callFrame: frame("parse", "file:///repo/node_modules/zod/index.js") },
  ],
  samples: [2, 3, 4, 4, 5],
  timeDeltas: [10, 20, 30, 40, 100],
};

describe("summariseCpuProfile", () => {
  const summary = summariseCpuProfile(profile);
  const fn = (name: string) => summary.functions.find((r) => r.name.startsWith(`${name} `));

  it("charges each sample's time to its top frame as self time", () => {
    expect(summary.totalUs).toBe(200);
    expect(fn("main")?.selfUs).toBe(10);
    expect(fn("work")?.selfUs).toBe(90);
    expect(fn("parse")?.selfUs).toBe(100);
    expect(summary.functions[0]?.name).toBe("parse zod/index.js:1");
  });

  it("counts a sample once in each function on its stack, recursion or not", () => {
    expect(fn("main")?.inclusiveUs).toBe(200);
    expect(fn("work")?.inclusiveUs).toBe(90);
    expect(fn("(root)")?.inclusiveUs).toBe(200);
  });

  it("sums by file", () => {
    const file = (name: string) => summary.files.find((r) => r.name === name);
    expect(file("edge/src/b.ts")).toEqual({ name: "edge/src/b.ts", selfUs: 90, inclusiveUs: 90 });
    expect(file("edge/src/a.ts")?.inclusiveUs).toBe(200);
    expect(file("zod/index.js")?.selfUs).toBe(100);
  });

  it("leaves out the samples of the first milliseconds when asked", () => {
    // Deltas 10, 20, 30, 40, 100 µs: samples end at 10, 30, 60, 100, 200 µs; skipping 0.05 ms keeps the last three.
    const later = summariseCpuProfile(profile, { skipMs: 0.05 });
    expect(later.totalUs).toBe(170);
    expect(later.functions.find((r) => r.name.startsWith("main "))?.selfUs).toBe(0);
  });

  it("formats the top rows with their shares", () => {
    const text = formatProfileSummary(summary, 2);
    expect(text).toContain(" 50.0%  50.0%  parse zod/index.js:1");
    expect(text.split("\n")).toHaveLength(1 + 3 * 3);
  });
});

describe("shortFile", () => {
  it("keeps the package or workspace part of a path", () => {
    expect(shortFile("file:///x/node_modules/.pnpm/node_modules/aedes/lib/client.js")).toBe("aedes/lib/client.js");
    expect(shortFile("file:///work/wt/edge/src/x.ts")).toBe("edge/src/x.ts");
    expect(shortFile("node:internal/streams/writable")).toBe("node:internal/streams/writable");
    expect(shortFile("")).toBe("(native)");
  });
});
