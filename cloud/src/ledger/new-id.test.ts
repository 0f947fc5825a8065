import { validate, version } from "uuid";
import { describe, expect, it } from "vitest";
import { newId } from "./new-id.js";

describe("newId", () => {
  it("makes distinct UUIDv7s that sort in the order they were made", () => {
    const ids = Array.from({ length: 20_000 }, () => newId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 100)) {
      expect(validate(id)).toBe(true);
      expect(version(id)).toBe(7);
    }
    expect([...ids].sort()).toEqual(ids);
  });
});
