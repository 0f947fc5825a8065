import { copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { basename, join } from "node:path";

/** The outbox's files a power cut can leave behind: the database and its WAL (the `-shm` index is rebuilt). */
const KEPT = ["", "-wal"];

/**
 * Test hook for playing a power cut (the fault suite, the outbox's contract
 * tests): what the disk holds of an SQLite outbox is what it held at its last
 * durable point. `keep` copies the files to `platterDir` (give it as the
 * outbox's `onDurable`, called synchronously, between two writes); `cut` puts
 * that copy in place of the files, once the process is gone.
 */
export function outboxPlatter(outboxFile: string, platterDir: string): { keep: () => void; cut: () => void } {
  const onPlatter = (suffix: string) => join(platterDir, basename(outboxFile) + suffix);
  return {
    keep: () => {
      mkdirSync(platterDir, { recursive: true });
      for (const suffix of KEPT) {
        if (existsSync(outboxFile + suffix)) copyFileSync(outboxFile + suffix, onPlatter(suffix));
        else rmSync(onPlatter(suffix), { force: true });
      }
    },
    cut: () => {
      for (const suffix of [...KEPT, "-shm"]) rmSync(outboxFile + suffix, { force: true });
      for (const suffix of KEPT)
        if (existsSync(onPlatter(suffix))) copyFileSync(onPlatter(suffix), outboxFile + suffix);
    },
  };
}
