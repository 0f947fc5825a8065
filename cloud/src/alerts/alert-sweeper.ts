import type { Logger } from "pino";
import { newId } from "../ledger/new-id.js";
import type { Alert } from "./alert.js";
import type { AlertStore } from "./alert-store.js";
import {
  edgeNotHeardCauses,
  edgeNotHeardKey,
  type OverdueTask,
  taskOverdueCauses,
  taskOverdueKey,
} from "./cloud-rules.js";

export interface AlertSweeperOptions {
  store: AlertStore;
  /** Where changed alerts go (the live stream). */
  publish: (alerts: readonly Alert[]) => void;
  logger: Logger;
  /** How often to sweep, ms (default 5 s). */
  intervalMs?: number | undefined;
  /** Tasks open past their due time, for TASK_OVERDUE; none: the rule is off. */
  overdueTasks?: (now: Date) => Promise<OverdueTask[]>;
  now?: () => Date;
}

/**
 * The alerts' clock, one per cloud process: every few seconds it promotes
 * pending alerts past their grace, escalates and reminds unacknowledged ones,
 * and runs the cloud's own rules (edge not heard, tasks overdue). Every
 * change is a conditional write, so two processes sweeping together change
 * (and tell) each alert once.
 */
export class AlertSweeper {
  readonly #options: AlertSweeperOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #closed = false;

  constructor(options: AlertSweeperOptions) {
    this.#options = options;
  }

  start(): void {
    this.#schedule();
  }

  /** One sweep as of `now` (tests call it with a virtual time). */
  async sweepOnce(now: Date = this.#options.now?.() ?? new Date()): Promise<Alert[]> {
    const { store } = this.#options;
    const changed: Alert[] = [];
    const contacts = await store.edgeContacts();
    const edges = edgeNotHeardCauses(
      contacts,
      await store.latestByKeys(contacts.map((c) => edgeNotHeardKey(c.edgeId))),
      store.policy,
      now,
      newId,
    );
    changed.push(...(await store.applyCauses(edges, now)));
    if (this.#options.overdueTasks !== undefined && store.policy.rules().taskOverdue) {
      const overdue = await this.#options.overdueTasks(now);
      const latest = await store.latestByKeys(overdue.map((t) => taskOverdueKey(t.id)));
      const tasks = taskOverdueCauses(overdue, latest, await store.liveOfKind("TASK_OVERDUE"), now, newId);
      changed.push(...(await store.applyCauses(tasks, now)));
    }
    changed.push(...(await store.sweep(now)).changed);
    const told = changed.filter((a) => a.status !== "pending");
    if (told.length > 0) this.#options.publish(told);
    return told;
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#running = this.sweepOnce()
        .then(() => undefined)
        .catch((error: unknown) => this.#options.logger.error({ err: error }, "alert sweep failed; next one retries"))
        .finally(() => {
          this.#running = undefined;
          this.#schedule();
        });
    }, this.#options.intervalMs ?? 5000);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#running;
  }
}
