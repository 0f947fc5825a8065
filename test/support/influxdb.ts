/**
 * A real InfluxDB 1.x for integration tests, from the first source that
 * works: (a) `TALLY_TEST_INFLUX_URL` (`http://host:port`; each test names its
 * own database); (b) the locally installed `influxd` with its data in a
 * temporary folder (`startLocalInflux`, shared with the telemetry benchmark).
 * In CI (`CI=true`) a missing InfluxDB fails the run; elsewhere the test file
 * skips with the reason.
 */
import { InfluxUnavailableError, type LocalInflux, startLocalInflux } from "@tally/cli";

export { InfluxUnavailableError, type LocalInflux, startLocalInflux };

export interface StartedInflux {
  /** `http://host:port`, without a database. */
  url: string;
  source: "env" | "local";
  /** A URL naming a fresh database (the store creates it): one per test keeps them apart. */
  database(name: string): string;
  stop(): Promise<void>;
}

export async function startInflux(): Promise<StartedInflux> {
  const url = process.env.TALLY_TEST_INFLUX_URL;
  if (url !== undefined && url !== "") {
    const base = url.replace(/\/+$/, "");
    return { url: base, source: "env", database: (name) => `${base}/${name}`, stop: async () => undefined };
  }
  return startLocalInflux();
}

/** InfluxDB, or why there is none. In CI an unavailable one throws instead. */
export async function probeInflux(): Promise<StartedInflux | { unavailable: string }> {
  try {
    return await startInflux();
  } catch (error) {
    if (process.env.CI === "true" || !(error instanceof InfluxUnavailableError)) throw error;
    return { unavailable: error.message };
  }
}

/** The local influxd, or why there is none; in CI a missing one throws. */
export async function probeLocalInflux(): Promise<LocalInflux | { unavailable: string }> {
  try {
    return await startLocalInflux();
  } catch (error) {
    if (process.env.CI === "true" || !(error instanceof InfluxUnavailableError)) throw error;
    return { unavailable: error.message };
  }
}
