import { z } from "zod";

/**
 * What a caller may do. People hold `viewer` (read), `operator` (work
 * correction tasks), `supervisor` (alerts, expected documents, reversals)
 * or `admin` (master data, credentials, edges, the audit log); each of
 * these includes the ones before it. `edge` is an edge node's credential:
 * it may send batches and read its reference data, nothing a person does.
 */
export const Role = z.enum(["viewer", "operator", "supervisor", "admin", "edge"]);
export type Role = z.infer<typeof Role>;

/** People's roles from least to most; `edge` stands apart. */
const LADDER: readonly Role[] = ["viewer", "operator", "supervisor", "admin"];

/** True when a holder of `held` may do what needs any one of `needed`. */
export function roleAllows(held: Role, needed: readonly Role[]): boolean {
  if (needed.includes(held)) return true;
  const rank = LADDER.indexOf(held);
  if (rank < 0) return false;
  return needed.some((role) => {
    const needs = LADDER.indexOf(role);
    return needs >= 0 && rank >= needs;
  });
}
