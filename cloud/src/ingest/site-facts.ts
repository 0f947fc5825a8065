import type { LedgerStore } from "../ledger/ledger-store.js";
import type { SiteFacts, SiteFactsSource } from "./site-checks.js";

/** A miss (an unknown location or SKU) reloads the facts, but not more often than this, ms. */
const RELOAD_AFTER_MS = 1000;
/** Sites whose facts are kept. */
const MAX_SITES = 1000;

interface Loaded {
  at: number;
  locations: Set<string>;
}

/**
 * The imported layouts and item master, cached for ingest's checks. A
 * location or SKU the cache does not know makes it read the store again
 * (at most once a second), so a layout imported a moment ago through
 * another cloud instance is not refused as unknown.
 */
export class SiteFactsCache implements SiteFactsSource {
  readonly #store: LedgerStore;
  readonly #now: () => number;
  readonly #sites = new Map<string, Loaded>();
  #items: { at: number; skus: Set<string> } | undefined;

  constructor(store: LedgerStore, now: () => number = Date.now) {
    this.#store = store;
    this.#now = now;
  }

  /** The facts for a site, fresh enough that everything in `names` and `skus` that exists is in them. */
  async facts(siteId: string, names: { locations: Iterable<string>; skus: Iterable<string> }): Promise<SiteFacts> {
    let site = this.#sites.get(siteId);
    let items = this.#items;
    const stale = (loaded: { at: number } | undefined) =>
      loaded === undefined || this.#now() - loaded.at >= RELOAD_AFTER_MS;
    const missing = (set: Set<string> | undefined, wanted: Iterable<string>) => {
      if (set === undefined) return true;
      for (const w of wanted) if (!set.has(w)) return true;
      return false;
    };
    if (site === undefined || (missing(site.locations, names.locations) && stale(site))) {
      const locations = await this.#store.locations({ siteId });
      site = { at: this.#now(), locations: new Set(locations.map((l) => l.code)) };
      if (this.#sites.size >= MAX_SITES) this.#sites.clear();
      this.#sites.set(siteId, site);
    }
    if (items === undefined || (missing(items.skus, names.skus) && stale(items))) {
      const all = await this.#store.items();
      items = { at: this.#now(), skus: new Set(all.map((i) => i.sku)) };
      this.#items = items;
    }
    return { known: site.locations.size > 0, locations: site.locations, skus: items.skus };
  }
}
