import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AlertHub } from "../../alerts/alert-hub.js";
import type { LedgerStore } from "../../ledger/ledger-store.js";
import { bearer, condition, TEST_TOKENS, testApp } from "../../testing/fixtures.js";

const meta = (seq: number) => ({ edgeId: "edge-1", siteId: "S1", batchId: `b-${seq}`, seq });

describe("alert routes: read with timeline, acknowledge, resolve, silence, who am I", () => {
  let app: FastifyInstance;
  let store: LedgerStore;
  let hub: AlertHub;
  let dispose: () => Promise<void>;
  beforeEach(async () => {
    ({ app, store, hub, dispose } = await testApp({ mode: "production" }));
  });
  afterEach(() => dispose());
  const raise = async () => {
    const [alert] = (await store.commit(meta(0), [condition()])).alerts;
    if (alert === undefined) throw new Error("no alert raised");
    return alert;
  };
  const post = (url: string, token: string, payload?: object) =>
    app.inject({ method: "POST", url, headers: bearer(token), ...(payload !== undefined && { payload }) });

  it("an operator acknowledges; the alert, the live stream and the timeline say who, when and why", async () => {
    const alert = await raise();
    const me = (await app.inject({ url: "/v1/whoami", headers: bearer(TEST_TOKENS.operator) })).json();
    expect(me).toMatchObject({ role: "operator" });
    const published: unknown[] = [];
    hub.subscribe((a) => published.push(a));

    const res = await post(`/v1/alerts/${alert.id}/acknowledge`, TEST_TOKENS.operator, { note: "on my way" });
    expect(res.statusCode).toBe(200);
    expect(res.json().alert).toMatchObject({ id: alert.id, status: "acknowledged", acknowledgedBy: me.name });
    expect(published).toEqual([expect.objectContaining({ id: alert.id, status: "acknowledged" })]);

    const again = await post(`/v1/alerts/${alert.id}/acknowledge`, TEST_TOKENS.supervisor);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: "TALLY_ERR_ALERT_STATE" });

    const read = await app.inject({ url: `/v1/alerts/${alert.id}`, headers: bearer(TEST_TOKENS.viewer) });
    expect(read.json().timeline).toEqual([
      expect.objectContaining({ by: "system", action: "raised" }),
      expect.objectContaining({ by: me.name, action: "acknowledged", note: "on my way" }),
    ]);
  });

  it("a viewer may read but not acknowledge; only a supervisor resolves; unknown ids are 404", async () => {
    const alert = await raise();
    expect((await post(`/v1/alerts/${alert.id}/acknowledge`, TEST_TOKENS.viewer)).statusCode).toBe(403);
    expect((await post(`/v1/alerts/${alert.id}/resolve`, TEST_TOKENS.operator)).statusCode).toBe(403);
    const resolved = await post(`/v1/alerts/${alert.id}/resolve`, TEST_TOKENS.supervisor, { note: "false alarm" });
    expect(resolved.json().alert).toMatchObject({ status: "resolved" });
    expect((await post("/v1/alerts/nope/acknowledge", TEST_TOKENS.operator)).statusCode).toBe(404);
    const tooLong = await post(`/v1/alerts/${alert.id}/resolve`, TEST_TOKENS.supervisor, { note: "x".repeat(1001) });
    expect(tooLong.statusCode).toBe(400);
  });

  it("lists by status, severity and kind", async () => {
    await raise();
    await store.commit(meta(1), [condition({ key: "DEVICE_SILENT:p-1", conditionType: "DEVICE_SILENT" })]);
    const get = async (q: string) =>
      (await app.inject({ url: `/v1/alerts?${q}`, headers: bearer(TEST_TOKENS.viewer) })).json().alerts as {
        kind: string;
      }[];
    expect((await get("severity=critical")).map((a) => a.kind)).toEqual(["TEMPERATURE_EXCURSION"]);
    expect((await get("kind=DEVICE_SILENT")).map((a) => a.kind)).toEqual(["DEVICE_SILENT"]);
    expect(await get("status=acknowledged")).toEqual([]);
    expect(
      (await app.inject({ url: "/v1/alerts?severity=loud", headers: bearer(TEST_TOKENS.viewer) })).statusCode,
    ).toBe(400);
  });

  it("a supervisor silences by matcher for some minutes, says why; it is listed and can be ended", async () => {
    const res = await post("/v1/silences", TEST_TOKENS.supervisor, {
      matchers: { siteId: "S1", kind: "DEVICE_SILENT" },
      minutes: 30,
      comment: "re-cabling portal 3",
    });
    expect(res.statusCode).toBe(201);
    const { silence } = res.json();
    expect(Date.parse(silence.endsAt) - Date.parse(silence.startsAt)).toBe(30 * 60_000);
    const list = await app.inject({ url: "/v1/silences", headers: bearer(TEST_TOKENS.viewer) });
    expect(list.json().silences).toEqual([expect.objectContaining({ id: silence.id, comment: "re-cabling portal 3" })]);
    expect(
      (await post("/v1/silences", TEST_TOKENS.operator, { matchers: {}, minutes: 5, comment: "x" })).statusCode,
    ).toBe(403);
    expect(
      (await post("/v1/silences", TEST_TOKENS.supervisor, { matchers: { color: "red" }, minutes: 5, comment: "x" }))
        .statusCode,
    ).toBe(400);
    const ended = await app.inject({
      method: "DELETE",
      url: `/v1/silences/${silence.id}`,
      headers: bearer(TEST_TOKENS.supervisor),
    });
    expect(ended.statusCode).toBe(204);
    expect((await app.inject({ url: "/v1/silences", headers: bearer(TEST_TOKENS.viewer) })).json().silences).toEqual(
      [],
    );
    // A person held to site S2 sees neither S1's silences nor may silence S1.
    await post("/v1/silences", TEST_TOKENS.supervisor, { matchers: { siteId: "S1" }, minutes: 5, comment: "S1 work" });
    const fromS2 = await app.inject({ url: "/v1/silences", headers: bearer(TEST_TOKENS.adminS2) });
    expect(fromS2.json().silences).toEqual([]);
    expect(
      (await post("/v1/silences", TEST_TOKENS.adminS2, { matchers: { siteId: "S1" }, minutes: 5, comment: "x" }))
        .statusCode,
    ).toBe(403);
    expect(
      (await post("/v1/silences", TEST_TOKENS.adminS2, { matchers: {}, minutes: 5, comment: "x" })).statusCode,
    ).toBe(403);
    const s1 = (await app.inject({ url: "/v1/silences", headers: bearer(TEST_TOKENS.supervisor) })).json().silences[0];
    const endFromS2 = await app.inject({
      method: "DELETE",
      url: `/v1/silences/${s1.id}`,
      headers: bearer(TEST_TOKENS.adminS2),
    });
    expect(endFromS2.statusCode).toBe(403);
    const maintenance = await post("/v1/sites/S1/maintenance", TEST_TOKENS.supervisor, {
      minutes: 60,
      comment: "racking inspection",
    });
    expect(maintenance.json().silence).toMatchObject({ matchers: { siteId: "S1" }, exceptCritical: true });
  });
});
