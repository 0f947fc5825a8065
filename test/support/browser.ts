/**
 * A real headless Chromium for the console's browser tests, driven with
 * playwright-core (nothing is downloaded: it uses the installed browser).
 * The executable is `TALLY_TEST_CHROMIUM`, else `/usr/bin/chromium`, else
 * the first `chromium`/`chromium-browser`/`google-chrome` on PATH. In CI
 * (`CI=true`) a missing browser fails the run; elsewhere the test file
 * skips with the reason.
 */
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { type Browser, chromium } from "playwright-core";

export class BrowserUnavailableError extends Error {
  override name = "BrowserUnavailableError";
}

const NAMES = ["chromium", "chromium-browser", "google-chrome"];

function findChromium(): string | undefined {
  const configured = process.env.TALLY_TEST_CHROMIUM;
  if (configured !== undefined && configured !== "") return configured;
  if (existsSync("/usr/bin/chromium")) return "/usr/bin/chromium";
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    for (const name of NAMES) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

/** Launches headless Chromium (`--no-sandbox` when running as root: its sandbox refuses root). */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = findChromium();
  if (executablePath === undefined) {
    throw new BrowserUnavailableError(
      "no Chromium: TALLY_TEST_CHROMIUM is not set, /usr/bin/chromium does not exist, none on PATH",
    );
  }
  const root = process.getuid?.() === 0;
  try {
    return await chromium.launch({
      executablePath,
      headless: true,
      args: [...(root ? ["--no-sandbox"] : []), "--disable-dev-shm-usage", "--disable-gpu"],
    });
  } catch (error) {
    throw new BrowserUnavailableError(`Chromium at ${executablePath} did not start: ${(error as Error).message}`);
  }
}

/** The browser, or why there is none. In CI an unavailable browser throws instead. */
export async function probeBrowser(): Promise<Browser | { unavailable: string }> {
  try {
    return await launchBrowser();
  } catch (error) {
    if (process.env.CI === "true" || !(error instanceof BrowserUnavailableError)) throw error;
    return { unavailable: error.message };
  }
}
