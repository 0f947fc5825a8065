import { afterEach, describe, expect, it } from "vitest";
import type { LedgerStore } from "../ledger/ledger-store.js";
import { tempStore } from "../testing/fixtures.js";
import { Credentials, parseBootstrapTokens } from "./credentials.js";
import { roleAllows } from "./role.js";
import { hashSecret, newToken, parseToken } from "./token-secret.js";

const stores: { store: LedgerStore; dispose(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.dispose();
});
async function store(): Promise<LedgerStore> {
  const s = await tempStore();
  stores.push(s);
  return s.store;
}

describe("roles", () => {
  it("ranks people's roles and keeps edge apart", () => {
    expect(roleAllows("admin", ["viewer"])).toBe(true);
    expect(roleAllows("supervisor", ["operator"])).toBe(true);
    expect(roleAllows("operator", ["supervisor"])).toBe(false);
    expect(roleAllows("viewer", ["operator", "edge"])).toBe(false);
    expect(roleAllows("edge", ["viewer"])).toBe(false);
    expect(roleAllows("edge", ["edge"])).toBe(true);
    expect(roleAllows("admin", ["edge"])).toBe(false);
  });
});

describe("Credentials", () => {
  it("finds a stored token by its id and checks its secret; a wrong secret or a revoked token is nobody", async () => {
    const ledger = await store();
    const credentials = new Credentials({ store: ledger.security });
    const { id, secret, token } = newToken();
    await ledger.security.createToken({
      id,
      secretHash: hashSecret(secret),
      name: "ops",
      role: "supervisor",
      sites: ["S1"],
      createdBy: "test",
    });
    expect(await credentials.authenticate(token)).toEqual({ id, name: "ops", role: "supervisor", sites: ["S1"] });
    const wrong = `tly_${id}_${"A".repeat(43)}`;
    expect(parseToken(wrong)).toBeDefined();
    expect(await credentials.authenticate(wrong)).toBeUndefined();
    await ledger.security.revokeToken(id, "test");
    credentials.forget(id);
    expect(await credentials.authenticate(token)).toBeUndefined();
  });

  it("sees a revocation made elsewhere once its cache entry is older than 5 s", async () => {
    const ledger = await store();
    let now = 1_000_000;
    const credentials = new Credentials({ store: ledger.security, now: () => now });
    const { id, secret, token } = newToken();
    await ledger.security.createToken({
      id,
      secretHash: hashSecret(secret),
      name: "e",
      role: "edge",
      sites: ["S1"],
      edgeId: "edge-1",
      createdBy: "t",
    });
    expect((await credentials.authenticate(token))?.edgeId).toBe("edge-1");
    await ledger.security.revokeToken(id, "another instance");
    now += 5001;
    expect(await credentials.authenticate(token)).toBeUndefined();
  });

  it("takes tokens from the environment and internal secrets, and nothing else", async () => {
    const ledger = await store();
    const credentials = new Credentials({
      store: ledger.security,
      bootstrap: parseBootstrapTokens(
        "admin:0123456789abcdef-admin, viewer@S2:0123456789abcdef-view,edge@S1/edge-7:0123456789abcdef-edge",
      ),
    });
    credentials.addInternal("internal-secret-0123456789", { id: "internal", name: "cloud", role: "admin" });
    expect((await credentials.authenticate("0123456789abcdef-admin"))?.role).toBe("admin");
    expect(await credentials.authenticate("0123456789abcdef-view")).toMatchObject({ role: "viewer", sites: ["S2"] });
    expect(await credentials.authenticate("0123456789abcdef-edge")).toMatchObject({
      role: "edge",
      sites: ["S1"],
      edgeId: "edge-7",
    });
    expect((await credentials.authenticate("internal-secret-0123456789"))?.name).toBe("cloud");
    for (const nobody of ["", "0123456789abcdef", "x".repeat(600), "tly_zz_zz", "0123456789abcdef-admin "]) {
      expect(await credentials.authenticate(nobody)).toBeUndefined();
    }
  });

  it("refuses malformed environment tokens with the entry's position", () => {
    expect(() => parseBootstrapTokens("root:0123456789abcdef")).toThrow(/entry 1: unknown role "root"/);
    expect(() => parseBootstrapTokens("admin:0123456789abcdef,admin:short")).toThrow(
      /entry 2: the secret must be at least 16/,
    );
    expect(() => parseBootstrapTokens("edge:0123456789abcdef")).toThrow(/an edge token names its site and edge/);
    expect(() => parseBootstrapTokens("viewer@a/b:0123456789abcdef")).toThrow(/bad site/);
  });
});
