import type { CorrectionTask, Movement } from "@tally/protocols";

/** What pipelines need to stamp events: the site and a source of event ids (UUIDv7 in production). */
export interface EventDeps {
  siteId: string;
  newId: () => string;
}

type MovementFields = Omit<Movement, "kind" | "id" | "siteId">;
type TaskFields = Omit<CorrectionTask, "kind" | "id" | "siteId">;

export function newMovement(deps: EventDeps, fields: MovementFields): Movement {
  return { kind: "movement", id: deps.newId(), siteId: deps.siteId, ...fields };
}

export function newTask(deps: EventDeps, fields: TaskFields): CorrectionTask {
  return { kind: "task", id: deps.newId(), siteId: deps.siteId, ...fields };
}
