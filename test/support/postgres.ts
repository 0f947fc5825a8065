/**
 * A real PostgreSQL for integration tests, from the first source that works:
 * (a) `TALLY_TEST_DATABASE_URL` — a fresh database per call on that server;
 * (b) a testcontainers container, when a Docker engine answers quickly;
 * (c) the locally installed binaries (`initdb`, `pg_ctl`), a throwaway
 *     cluster in a temporary folder on a free port.
 * When none works, `startPostgres` throws `PostgresUnavailableError`; test
 * files skip with its reason, except in CI where a missing service fails.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { findPostgresBinaries, startLocalPostgres } from "@tally/cli";
import pg from "pg";
import { dockerAnswers } from "./docker.js";

const _run = promisify(execFile);

export interface StartedPostgres {
  /** `postgres://…` of a fresh, empty database. */
  url: string;
  /** Another fresh database on the same server; dropped (or deleted with the server) by `stop`. */
  freshDatabase(): Promise<string>;
  /** Stops what was started and deletes its files. Idempotent. */
  stop(): Promise<void>;
  /** Where it came from: `env`, `container` or `local`. */
  source: "env" | "container" | "local";
  /** Crash the server, wait `downMs`, start it again on the same port and data (local servers only). */
  restart?: (downMs: number) => Promise<void>;
}

export class PostgresUnavailableError extends Error {
  override name = "PostgresUnavailableError";
}

export interface PostgresOptions {
  /**
   * A local server with its durability settings on (fsync, synchronous_commit): for tests that crash it
   * and count on what it acknowledged. Default off (faster), which loses the last commits in a crash.
   */
  durable?: boolean;
}

export async function startPostgres(options: PostgresOptions = {}): Promise<StartedPostgres> {
  const url = process.env.TALLY_TEST_DATABASE_URL;
  if (url !== undefined && url !== "") return fromServerUrl(url, "env", async () => undefined);
  const reasons: string[] = ["TALLY_TEST_DATABASE_URL is not set"];
  if (await dockerAnswers()) {
    try {
      return await fromContainer();
    } catch (error) {
      reasons.push(`testcontainers failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  } else {
    reasons.push("no Docker engine answered");
  }
  const binaries = findPostgresBinaries();
  if (binaries === undefined) {
    reasons.push("initdb/pg_ctl not found on PATH or in /usr/lib/postgresql/*/bin");
  } else {
    try {
      return await fromLocalBinaries(options);
    } catch (error) {
      reasons.push(`local postgres failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new PostgresUnavailableError(`no PostgreSQL for tests: ${reasons.join("; ")}`);
}

/**
 * Runs `startPostgres` once to learn whether a server is available: returns
 * the server, or the reason it is not. In CI (`CI=true`) an unavailable
 * server throws: every integration test must run there.
 */
export async function probePostgres(options: PostgresOptions = {}): Promise<StartedPostgres | { unavailable: string }> {
  try {
    return await startPostgres(options);
  } catch (error) {
    if (process.env.CI === "true" || !(error instanceof PostgresUnavailableError)) throw error;
    return { unavailable: error.message };
  }
}

async function fromServerUrl(
  serverUrl: string,
  source: StartedPostgres["source"],
  stopServer: () => Promise<void>,
): Promise<StartedPostgres> {
  const created: string[] = [];
  const freshDatabase = async () => {
    const name = `tally_test_${randomBytes(6).toString("hex")}`;
    await withClient(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
    created.push(name);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return url.toString();
  };
  const url = await freshDatabase();
  let stopping: Promise<void> | undefined;
  return {
    url,
    source,
    freshDatabase,
    stop: () => {
      stopping ??= (async () => {
        if (source === "env") {
          await withClient(serverUrl, async (c) => {
            for (const name of created) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          });
        }
        await stopServer();
      })();
      return stopping;
    },
  };
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

async function fromContainer(): Promise<StartedPostgres> {
  const { GenericContainer, Wait } = await import("testcontainers");
  const container = await new GenericContainer("postgres:16-alpine")
    .withEnvironment({ POSTGRES_PASSWORD: "tally", POSTGRES_USER: "tally", POSTGRES_DB: "tally" })
    .withExposedPorts(5432)
    .withTmpFs({ "/var/lib/postgresql/data": "rw" })
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .withStartupTimeout(60_000)
    .start();
  const serverUrl = `postgres://tally:tally@${container.getHost()}:${container.getMappedPort(5432)}/tally`;
  return fromServerUrl(serverUrl, "container", async () => {
    await container.stop();
  });
}

async function fromLocalBinaries(options: PostgresOptions): Promise<StartedPostgres> {
  // A throwaway cluster: durability off for speed (the store's own durability is not what these tests check).
  const local = await startLocalPostgres({ fast: options.durable !== true });
  try {
    return { ...(await fromServerUrl(local.url, "local", local.stop)), restart: local.restart };
  } catch (error) {
    await local.stop();
    throw error;
  }
}
