import { readFileSync } from "node:fs";
import { AlertPolicy, AlertPolicyError } from "../alerts/alert-policy.js";

/** Reads and validates an alert policy file (JSON); throws an `AlertPolicyError` naming each problem. */
export function readAlertPolicyFile(path: string): AlertPolicy {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new AlertPolicyError(path, [`cannot read it as JSON: ${(error as Error).message}`]);
  }
  return AlertPolicy.parse(raw, path);
}
