import { createServer, type IncomingMessage, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { cloudSetup } from "./cloud-setup.js";
import type { ExpectedDocument } from "./scenario.js";
import { demoSite } from "./test-support.js";

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: unknown;
}

let server: Server | undefined;
afterEach(async () => {
  const s = server;
  server = undefined;
  if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()));
});

/** A stand-in cloud answering every request with `status` (and a problem body when ≥ 400). */
async function fakeCloud(status: number): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const read = async (req: IncomingMessage): Promise<unknown> => {
    let text = "";
    for await (const chunk of req) text += String(chunk);
    return text === "" ? undefined : JSON.parse(text);
  };
  server = createServer((req, res) => {
    void read(req).then((body) => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", authorization: req.headers.authorization, body });
      res.statusCode = status;
      if (status >= 400) {
        res.setHeader("content-type", "application/problem+json");
        res.end(JSON.stringify({ code: "TALLY_ERR_X", detail: "expected receipt asn-1 exists with other content" }));
      } else res.end(status === 204 ? undefined : "{}");
    });
  });
  const s = server;
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const address = s.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return { url: `http://127.0.0.1:${address.port}/`, seen };
}

const receipt: ExpectedDocument = {
  kind: "receipt",
  receipt: { id: "asn 1", siteId: "DEMO", dock: "DEMO/DOCK/D1", lines: [{ sku: "WIDGET", qty: 2 }] },
};

describe("cloudSetup", () => {
  it("imports the site and creates and closes documents through the API, with the token", async () => {
    const cloud = await fakeCloud(201);
    const setup = cloudSetup({ apiUrl: cloud.url, token: "t0k" });
    const site = demoSite();
    await setup.importSite(site);
    await setup.openDocument(receipt);
    await setup.openDocument({
      kind: "shipment",
      shipment: { id: "s1", siteId: "DEMO", dock: "DEMO/DOCK/D1", lines: [{ sku: "WIDGET", qty: 1 }] },
    });
    await setup.closeDocument(receipt);
    expect(cloud.seen.map((r) => [r.method, r.url, r.authorization])).toEqual([
      ["PUT", "/v1/sites/DEMO/layout", "Bearer t0k"],
      ["POST", "/v1/expected-receipts", "Bearer t0k"],
      ["POST", "/v1/expected-shipments", "Bearer t0k"],
      ["POST", "/v1/expected-receipts/asn%201/close", "Bearer t0k"],
    ]);
    expect(cloud.seen[0]?.body).toEqual(site);
    expect(cloud.seen[1]?.body).toEqual(receipt.kind === "receipt" && receipt.receipt);
  });

  it("throws TALLY_ERR_SIM_CLOUD with the problem's detail when the cloud refuses, or is not there", async () => {
    const cloud = await fakeCloud(409);
    await expect(cloudSetup({ apiUrl: cloud.url }).openDocument(receipt)).rejects.toMatchObject({
      code: "TALLY_ERR_SIM_CLOUD",
      message: "POST /v1/expected-receipts: HTTP 409 expected receipt asn-1 exists with other content",
    });
    await expect(cloudSetup({ apiUrl: "http://127.0.0.1:1" }).importSite(demoSite())).rejects.toMatchObject({
      code: "TALLY_ERR_SIM_CLOUD",
    });
  });
});
