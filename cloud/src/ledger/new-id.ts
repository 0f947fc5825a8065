import { timeOrderedIdParts } from "@tally/protocols";
import { v7 } from "uuid";

/** Ids the cloud makes are UUIDv7: time-ordered, so B-tree inserts stay sequential. */
export function newId(): string {
  return v7(timeOrderedIdParts());
}
