import type { SiteLayout } from "@tally/protocols";
import type { ExpectedDocument } from "./scenario.js";
import { SimulatorError, SimulatorErrorCode } from "./simulator-error.js";

/** How long one request to the cloud may take, ms. */
const REQUEST_TIMEOUT_MS = 10_000;

export interface CloudSetupOptions {
  /** The cloud's HTTP API, e.g. `http://127.0.0.1:8080`. */
  apiUrl: string;
  /** Bearer token (admin for the layout, supervisor or admin for documents), when the API requires one. */
  token?: string | undefined;
}

/** What a scenario sets up in the cloud, through its public HTTP API. */
export interface CloudSetup {
  /** `PUT /v1/sites/{siteId}/layout`: zones, locations and the item master of the site. */
  importSite(site: SiteLayout): Promise<void>;
  /** `POST /v1/expected-receipts` or `/v1/expected-shipments` (created open; the same content again is accepted). */
  openDocument(document: ExpectedDocument): Promise<void>;
  /** `POST /v1/expected-{receipts|shipments}/{id}/close`. */
  closeDocument(document: ExpectedDocument): Promise<void>;
}

/**
 * A small client for what a scenario needs the cloud to know before and
 * while it plays. Every refusal (HTTP status ≥ 400, or no answer) throws
 * `TALLY_ERR_SIM_CLOUD` with the request and the problem body's detail.
 */
export function cloudSetup(options: CloudSetupOptions): CloudSetup {
  const base = options.apiUrl.replace(/\/$/, "");
  const send = async (method: "PUT" | "POST", path: string, body?: unknown): Promise<void> => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: {
          accept: "application/json",
          ...(body !== undefined && { "content-type": "application/json" }),
          ...(options.token !== undefined && { authorization: `Bearer ${options.token}` }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (cause) {
      throw new SimulatorError(SimulatorErrorCode.CloudRefused, `${method} ${path}: ${(cause as Error).message}`, {
        cause,
      });
    }
    if (res.ok) {
      await res.body?.cancel();
      return;
    }
    const text = await res.text().catch(() => "");
    let detail = text.slice(0, 500);
    try {
      const problem = JSON.parse(text) as { detail?: unknown };
      if (typeof problem.detail === "string") detail = problem.detail;
    } catch {
      // Not a problem body: keep the text.
    }
    throw new SimulatorError(SimulatorErrorCode.CloudRefused, `${method} ${path}: HTTP ${res.status} ${detail}`.trim());
  };
  const idOf = (d: ExpectedDocument) => encodeURIComponent(d.kind === "receipt" ? d.receipt.id : d.shipment.id);
  return {
    importSite: (site) => send("PUT", `/v1/sites/${encodeURIComponent(site.siteId)}/layout`, site),
    openDocument: (d) =>
      d.kind === "receipt"
        ? send("POST", "/v1/expected-receipts", d.receipt)
        : send("POST", "/v1/expected-shipments", d.shipment),
    closeDocument: (d) =>
      send("POST", `/v1/expected-${d.kind === "receipt" ? "receipts" : "shipments"}/${idOf(d)}/close`),
  };
}
