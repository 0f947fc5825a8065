import type { AlertHub } from "../alerts/alert-hub.js";
import type { LedgerStore } from "../ledger/ledger-store.js";

/** What route plugins are given: the ledger and the alert fan-out. */
export interface RouteDeps {
  store: LedgerStore;
  alerts: AlertHub;
}
