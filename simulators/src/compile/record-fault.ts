import type { InjectedFault } from "../scenario.js";

/** Records the fault being compiled (its kind and start filled in) in the ground truth. */
export type RecordFault = (f: Omit<InjectedFault, "kind" | "atMs">) => void;
