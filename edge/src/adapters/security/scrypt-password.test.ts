import { parsePasswordHash } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import { hashPassword, newDevicePassword, verifyPassword } from "./scrypt-password.js";

describe("scrypt passwords", () => {
  it("verifies the password it hashed and nothing else", async () => {
    const password = newDevicePassword();
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const hash = await hashPassword(password);
    expect(parsePasswordHash(hash)).toMatchObject({ N: 16_384, r: 8, p: 1 });
    expect(await verifyPassword(password, hash)).toBe(true);
    expect(await verifyPassword(Buffer.from(password), hash)).toBe(true);
    expect(await verifyPassword(`${password}x`, hash)).toBe(false);
    expect(await verifyPassword("", hash)).toBe(false);
  });

  it("salts each hash", async () => {
    expect(await hashPassword("same")).not.toBe(await hashPassword("same"));
  });

  it("answers false without a hash or with a broken one", async () => {
    expect(await verifyPassword("anything", undefined)).toBe(false);
    expect(await verifyPassword("anything", "scrypt$N=3,r=8,p=1$x$y")).toBe(false);
  });

  it("does not block the event loop while it works", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await Promise.all([hashPassword("a"), hashPassword("b"), hashPassword("c")]);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
  });
});
