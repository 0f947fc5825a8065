/**
 * Which portals have a burst of reads of a tag open right now, kept up to
 * date by `detectPasses`: cross-read suppression asks it whether a rival pass
 * may still come (`suppressCrossReads`). One entry per open burst.
 */
export class OpenPasses {
  readonly #byEpc = new Map<string, string[]>();

  opened(epc: string, portalId: string): void {
    const portals = this.#byEpc.get(epc);
    if (portals === undefined) this.#byEpc.set(epc, [portalId]);
    else portals.push(portalId);
  }

  closed(epc: string, portalId: string): void {
    const portals = this.#byEpc.get(epc);
    if (portals === undefined) return;
    const at = portals.indexOf(portalId);
    if (at >= 0) portals.splice(at, 1);
    if (portals.length === 0) this.#byEpc.delete(epc);
  }

  /** Portals with an open burst of `epc`. */
  portalsOf(epc: string): readonly string[] {
    return this.#byEpc.get(epc) ?? [];
  }

  get size(): number {
    return this.#byEpc.size;
  }
}
