import type { LedgerStore } from "@tally/cloud";
import { afterEach, describe, expect, it } from "vitest";

/** What every ledger store's `security` part must do: tokens kept as hashes, revocation, an ordered audit log. */
export function securityStoreContract(name: string, open: () => Promise<LedgerStore>): void {
  describe(`security store contract (${name})`, () => {
    const opened: LedgerStore[] = [];
    const fresh = async () => {
      const store = await open();
      opened.push(store);
      return store.security;
    };
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
    });

    it("keeps a token with its hash, scope and edge, and finds it by id", async () => {
      const security = await fresh();
      const created = await security.createToken({
        id: "a1b2c3d4e5f60718",
        secretHash: "ab".repeat(32),
        name: "dock-edge",
        role: "edge",
        sites: ["S1"],
        edgeId: "edge-1",
        createdBy: "admin",
      });
      expect(created).toMatchObject({ id: "a1b2c3d4e5f60718", role: "edge", sites: ["S1"], edgeId: "edge-1" });
      const found = await security.token("a1b2c3d4e5f60718");
      expect(found?.secretHash).toBe("ab".repeat(32));
      expect(found?.token).toEqual(created);
      expect(await security.token("ffffffffffffffff")).toBeUndefined();
    });

    it("revokes once, with who and when; revoked tokens leave the default list", async () => {
      const security = await fresh();
      await security.createToken({
        id: "1111111111111111",
        secretHash: "00".repeat(32),
        name: "a",
        role: "viewer",
        createdBy: "x",
      });
      await security.createToken({
        id: "2222222222222222",
        secretHash: "01".repeat(32),
        name: "b",
        role: "admin",
        createdBy: "x",
      });
      const revoked = await security.revokeToken("1111111111111111", "ops");
      expect(revoked?.revokedBy).toBe("ops");
      expect(Date.parse(revoked?.revokedAt ?? "")).not.toBeNaN();
      const again = await security.revokeToken("1111111111111111", "someone-else");
      expect(again?.revokedBy).toBe("ops");
      expect(await security.revokeToken("3333333333333333", "ops")).toBeUndefined();
      expect((await security.tokens()).map((t) => t.id)).toEqual(["2222222222222222"]);
      expect((await security.tokens({ includeRevoked: true })).map((t) => t.id).sort()).toEqual([
        "1111111111111111",
        "2222222222222222",
      ]);
      expect((await security.token("1111111111111111"))?.token.revokedAt).toBeDefined();
    });

    it("appends audit entries in order and pages through them", async () => {
      const security = await fresh();
      for (let i = 0; i < 5; i++) {
        await security.appendAudit({
          at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
          actor: i % 2 === 0 ? "alice" : "bob",
          actorId: `t${i}`,
          role: "supervisor",
          method: "POST",
          route: "/v1/tasks/:id/assign",
          path: `/v1/tasks/${i}/assign`,
          status: 200,
          ...(i === 0 && { siteId: "S1" }),
        });
      }
      const first = await security.audit({ limit: 2 });
      expect(first.map((e) => e.path)).toEqual(["/v1/tasks/0/assign", "/v1/tasks/1/assign"]);
      expect(first[0]).toMatchObject({ actor: "alice", siteId: "S1", status: 200, at: "2026-01-01T00:00:00.000Z" });
      const next = await security.audit({ limit: 10, after: first[1]?.seq ?? 0 });
      expect(next.map((e) => e.path)).toEqual(["/v1/tasks/2/assign", "/v1/tasks/3/assign", "/v1/tasks/4/assign"]);
      expect((await security.audit({ limit: 10, actor: "bob" })).map((e) => e.actorId)).toEqual(["t1", "t3"]);
    });
  });
}
