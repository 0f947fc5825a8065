import { describe, expect, it } from "vitest";
import { judgeOpcuaCase } from "./opcua-bench-verdict.js";

const FAST = { items: 2000, intervalMs: 100, maxCpuShare: 0.15 };
const LARGE = { items: 10_000, intervalMs: 1000 };
const healthy = { monitored: 2000, reconnects: 0 };

describe("judgeOpcuaCase", () => {
  it("meets the CPU target when the share implied at the offered rate is under the bound", () => {
    const v = judgeOpcuaCase(FAST, { ...healthy, notificationsPerS: 19_800, cpuShare: 0.099 });
    expect(v.offeredPerS).toBe(20_000);
    expect(v.edgeCpuUsPerNotification).toBe(5);
    expect(v.edgeCpuShareAtOfferedRate).toBe(0.1);
    expect(v.targetMet).toBe(true);
  });

  it("scales the CPU share to the offered rate when the server offered less: a short server does not flatter the edge", () => {
    // Half the offered rate arrived at 10 % of a core: 10 µs each, so 20 % at the full rate.
    const v = judgeOpcuaCase(FAST, { ...healthy, notificationsPerS: 10_000, cpuShare: 0.1 });
    expect(v.edgeCpuShareAtOfferedRate).toBe(0.2);
    expect(v.deliveredShare).toBe(0.5);
    expect(v.targetMet).toBe(false);
  });

  it("misses the target when items are not all monitored or the link was lost", () => {
    const ok = { notificationsPerS: 10_000, cpuShare: 0.1 };
    expect(judgeOpcuaCase(LARGE, { ...ok, monitored: 10_000, reconnects: 0 }).targetMet).toBe(true);
    expect(judgeOpcuaCase(LARGE, { ...ok, monitored: 9_999, reconnects: 0 }).targetMet).toBe(false);
    expect(judgeOpcuaCase(LARGE, { ...ok, monitored: 10_000, reconnects: 1 }).targetMet).toBe(false);
  });

  it("misses the target when the edge takes less than 90 % of the offered notifications", () => {
    const v = judgeOpcuaCase(LARGE, { monitored: 10_000, reconnects: 0, notificationsPerS: 8_000, cpuShare: 0.05 });
    expect(v.targetMet).toBe(false);
  });

  it("never passes a window with no notifications", () => {
    const v = judgeOpcuaCase(FAST, { ...healthy, notificationsPerS: 0, cpuShare: 0.01 });
    expect(v.edgeCpuShareAtOfferedRate).toBe(Infinity);
    expect(v.targetMet).toBe(false);
  });
});
