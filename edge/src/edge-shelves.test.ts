import { describe, expect, it } from "vitest";
import { shelvesReadyWithin } from "./edge-shelves.js";

const never = new Promise<void>(() => undefined);

describe("shelvesReadyWithin", () => {
  it("resolves as soon as every shelf is ready, with none waiting", async () => {
    const shelves = [
      { id: "shelf-a", ready: Promise.resolve() },
      { id: "shelf-b", ready: Promise.resolve() },
    ];
    // A timeout this long would fail the test on its own: readiness must end the wait.
    expect(await shelvesReadyWithin(shelves, 600_000)).toEqual({ waiting: [] });
  });

  it("names the shelves still waiting when the time is up, and a shelf whose connection failed", async () => {
    const failed = Promise.reject(new Error("BadSecurityChecksFailed"));
    const shelves = [
      { id: "shelf-a", ready: Promise.resolve() },
      { id: "shelf-lost", ready: never },
      { id: "shelf-refused", ready: failed },
    ];
    expect(await shelvesReadyWithin(shelves, 50)).toEqual({ waiting: ["shelf-lost", "shelf-refused"] });
  });
});
