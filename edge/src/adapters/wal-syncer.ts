import { type FileHandle, open } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Makes what a SQLite database in WAL mode has written durable without
 * blocking the event loop: `fdatasync` of its `-wal` file on libuv's thread
 * pool. Frames written before the call are on disk once it resolves; frames
 * SQLite has already checkpointed into the main file were synced by that
 * checkpoint (with `synchronous=NORMAL` a checkpoint syncs the WAL before and
 * the file after). The WAL file is the same inode for as long as a connection
 * is open (SQLite rewrites it from the start, it does not replace it), so
 * one handle serves.
 */
export class WalSyncer {
  readonly #walFile: string;
  /** The open WAL file (once it exists), shared by concurrent syncs. */
  #handle: Promise<FileHandle | undefined> | undefined;
  /** The folder's entry for the WAL file: synced once per handle, as SQLite does for a file it creates. */
  #folderSynced = false;
  #inFlight = new Set<Promise<void>>();
  #closed = false;

  constructor(databaseFile: string) {
    this.#walFile = `${databaseFile}-wal`;
  }

  sync(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`${this.#walFile}: sync after close`));
    const done = this.#syncNow().finally(() => this.#inFlight.delete(done));
    this.#inFlight.add(done);
    return done;
  }

  async #openWal(): Promise<FileHandle | undefined> {
    try {
      return await open(this.#walFile, "r");
    } catch (error) {
      // No WAL file: nothing was written since the last connection checkpointed and removed it.
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  async #syncNow(): Promise<void> {
    this.#handle ??= this.#openWal();
    let handle: FileHandle | undefined;
    try {
      handle = await this.#handle;
    } catch (error) {
      this.#handle = undefined;
      throw error;
    }
    if (handle === undefined) {
      this.#handle = undefined;
      return;
    }
    await handle.datasync();
    if (!this.#folderSynced) {
      const folder = await open(dirname(this.#walFile), "r");
      try {
        await folder.sync();
      } finally {
        await folder.close();
      }
      this.#folderSynced = true;
    }
  }

  /** Closes the handle once the syncs under way are done. */
  close(): void {
    this.#closed = true;
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle === undefined) return;
    void Promise.allSettled([...this.#inFlight, handle]).then(async () =>
      (await handle.catch(() => undefined))?.close(),
    );
  }
}
