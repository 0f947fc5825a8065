import type { Condition, CorrectionTask, EdgeEvent, Movement, Telemetry } from "@tally/protocols";

export interface EventsByKind {
  movements: Movement[];
  tasks: CorrectionTask[];
  conditions: Condition[];
  telemetry: Telemetry[];
}

/** Splits events by kind, keeping batch order within each kind. */
export function partitionEvents(events: readonly EdgeEvent[]): EventsByKind {
  const parts: EventsByKind = { movements: [], tasks: [], conditions: [], telemetry: [] };
  for (const event of events) {
    switch (event.kind) {
      case "movement":
        parts.movements.push(event);
        break;
      case "task":
        parts.tasks.push(event);
        break;
      case "condition":
        parts.conditions.push(event);
        break;
      case "telemetry":
        parts.telemetry.push(event);
        break;
    }
  }
  return parts;
}
