/**
 * The catalogue of error codes Tally puts on the wire (dead letters, HTTP
 * problem bodies, commit acknowledgements). Codes are stable; messages are
 * not. The codecs' finer codes live beside them and are exported too:
 * `TALLY_ERR_EPC_*` (epc/) and `TALLY_ERR_GS1_*` (`Gs1ProblemCode`, gs1/).
 */
export const ErrorCode = {
  MessageTooLarge: "TALLY_ERR_MSG_TOO_LARGE",
  MessageNotJson: "TALLY_ERR_MSG_NOT_JSON",
  MessageSchema: "TALLY_ERR_MSG_SCHEMA",
  TopicUnknown: "TALLY_ERR_TOPIC_UNKNOWN",
  DeviceUnknown: "TALLY_ERR_DEVICE_UNKNOWN",
  DeviceChannel: "TALLY_ERR_DEVICE_CHANNEL",
  /** A device credentials file that is not valid (bad YAML/JSON, a device id or hash that is not one). */
  DeviceCredentialsInvalid: "TALLY_ERR_DEVICE_CREDENTIALS_INVALID",
  /** The edge refuses to start with a device broker open to anyone (production without credentials or TLS). */
  EdgeInsecure: "TALLY_ERR_EDGE_INSECURE",
  EpcInvalid: "TALLY_ERR_EPC_INVALID",
  GtinCheckDigit: "TALLY_ERR_GTIN_CHECK_DIGIT",
  /** A scanned barcode that is not valid GS1 data; its problems (`TALLY_ERR_GS1_*`) are in the reason. */
  BarcodeInvalid: "TALLY_ERR_BARCODE_INVALID",
  SkuUnknown: "TALLY_ERR_SKU_UNKNOWN",
  /** A scanned location that is neither a site location code nor GS1 data with a valid GLN (AI 414). */
  ScanLocationInvalid: "TALLY_ERR_SCAN_LOCATION_INVALID",
  /** A scan that lacks what its action needs (a PUTAWAY's fromLocation, a RETURN's location) or has what it may not. */
  ScanIncomplete: "TALLY_ERR_SCAN_INCOMPLETE",
  EnvelopeSchema: "TALLY_ERR_ENVELOPE_SCHEMA",
  EventSchema: "TALLY_ERR_EVENT_SCHEMA",
  EventConflict: "TALLY_ERR_EVENT_CONFLICT",
  SiteMismatch: "TALLY_ERR_SITE_MISMATCH",
  SiteLayoutInvalid: "TALLY_ERR_SITE_LAYOUT_INVALID",
  ScenarioInvalid: "TALLY_ERR_SCENARIO_INVALID",
  SimulatorStart: "TALLY_ERR_SIM_START",
  /** The cloud refused or did not answer what a scenario sets up through its API (site layout, expected documents). */
  SimulatorCloud: "TALLY_ERR_SIM_CLOUD",
  CommitFailed: "TALLY_ERR_COMMIT_FAILED",
  /** Two edge processes send under one edge id: its batches are refused until an admin releases it. */
  EdgeQuarantined: "TALLY_ERR_EDGE_QUARANTINED",
  /** A batch from an edge id that has no credential at the cloud. */
  EdgeUnknown: "TALLY_ERR_EDGE_UNKNOWN",
  /** An event naming a location that the site's imported layout does not have, or one of another site. */
  LocationUnknown: "TALLY_ERR_LOCATION_UNKNOWN",
  /** An event dated outside the window the cloud accepts around its own clock. */
  TimeOutOfRange: "TALLY_ERR_TIME_OUT_OF_RANGE",
  /** A site the cloud has no imported layout for: nothing can be checked against it, so nothing is committed. */
  SiteUnknown: "TALLY_ERR_SITE_UNKNOWN",
  /** A process asked to listen beyond the loopback without what makes that safe (TLS, credentials, production mode). */
  InsecureConfig: "TALLY_ERR_INSECURE_CONFIG",
  /** An OPC-UA shelf's server refused the edge (endpoint, security, certificate, identity) or could not be reached. */
  OpcuaRefused: "TALLY_ERR_OPCUA_REFUSED",
  /** An OPC-UA shelf configured with security mode None or an anonymous user, outside development mode. */
  OpcuaInsecure: "TALLY_ERR_OPCUA_INSECURE",
  /** A certificate named to `tally opcua trust` is in neither the rejected nor the trusted folder. */
  OpcuaCertificateUnknown: "TALLY_ERR_OPCUA_CERT_UNKNOWN",
  /** A webhook URL that is not an absolute http(s) URL. */
  WebhookUrlInvalid: "TALLY_ERR_WEBHOOK_URL_INVALID",
  /** A `Tally-Signature` header that is missing or not `t=<unix s>,v1=<hex>`. */
  WebhookSignatureMalformed: "TALLY_ERR_WEBHOOK_SIGNATURE_MALFORMED",
  /** A signed timestamp outside the receiver's tolerance (a replay, or a clock far off). */
  WebhookSignatureStale: "TALLY_ERR_WEBHOOK_SIGNATURE_STALE",
  /** No `v1` in the header matches the body and the webhook's secret. */
  WebhookSignatureMismatch: "TALLY_ERR_WEBHOOK_SIGNATURE_MISMATCH",
  /** A webhook receiver answered a delivery with a status other than 2xx. */
  WebhookRefused: "TALLY_ERR_WEBHOOK_REFUSED",
  /** A webhook receiver did not answer a delivery within the timeout. */
  WebhookTimeout: "TALLY_ERR_WEBHOOK_TIMEOUT",
  /** A webhook receiver could not be reached (DNS, connection refused or reset, TLS). */
  WebhookUnreachable: "TALLY_ERR_WEBHOOK_UNREACHABLE",
  /** A telemetry point the telemetry store can never keep (value not finite, control characters in a name). */
  TelemetryInvalid: "TALLY_ERR_TELEMETRY_INVALID",
  /** The telemetry store (InfluxDB) did not answer or refused a write or query; writes are retried. */
  TelemetryUnavailable: "TALLY_ERR_TELEMETRY_UNAVAILABLE",
  QueryInvalid: "TALLY_ERR_QUERY_INVALID",
  UsageInvalid: "TALLY_ERR_USAGE",
  NotFound: "TALLY_ERR_NOT_FOUND",
  Internal: "TALLY_ERR_INTERNAL",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A reason something was refused: a stable code and a human message. */
export interface Rejection {
  code: ErrorCode;
  reason: string;
}

/** A result that is either a value or a rejection; parsers never throw. */
export type Result<T, E = Rejection> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const rejected = (code: ErrorCode, reason: string): Result<never, Rejection> => ({
  ok: false,
  error: { code, reason },
});
