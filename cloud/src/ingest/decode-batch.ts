import {
  describeIssues,
  EdgeBatch,
  ErrorCode,
  MAX_BATCH_BYTES,
  ok,
  type Result,
  rejected,
  safeParseUntrusted,
} from "@tally/protocols";

/** Validates an already-parsed body against the EdgeBatch envelope (events stay unknown here). */
export function parseEdgeBatch(raw: unknown): Result<EdgeBatch> {
  const parsed = safeParseUntrusted(EdgeBatch, raw);
  if (!parsed.success) return rejected(ErrorCode.EnvelopeSchema, describeIssues(parsed.error));
  return ok(parsed.data);
}

/** Raw bytes (MQTT payload) → envelope: size check, JSON, schema. Never throws. */
export function decodeBatch(payload: Uint8Array): Result<EdgeBatch> {
  if (payload.byteLength > MAX_BATCH_BYTES) {
    return rejected(ErrorCode.MessageTooLarge, `${payload.byteLength} bytes > ${MAX_BATCH_BYTES}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString("utf8"));
  } catch (error) {
    return rejected(ErrorCode.MessageNotJson, error instanceof Error ? error.message : "not JSON");
  }
  return parseEdgeBatch(raw);
}
