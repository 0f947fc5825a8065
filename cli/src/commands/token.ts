import { userInfo } from "node:os";
import { safeParseUntrusted } from "@tally/protocols";
import type { Command } from "commander";
import type { Logger } from "pino";
import { CliError } from "../cli-error.js";
import { printJson } from "../stdout.js";

/** Opens the ledger the cloud's configuration names (TALLY_DATA_DIR or TALLY_DATABASE_URL), runs `work`, closes it. */
async function withSecurityStore<T>(work: (security: import("@tally/cloud").SecurityStore) => Promise<T>): Promise<T> {
  const { createLedgerStore, loadCloudConfig } = await import("@tally/cloud");
  const config = loadCloudConfig();
  const store = await createLedgerStore(
    config.databaseUrl !== undefined ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir },
  );
  try {
    return await work(store.security);
  } finally {
    await store.close();
  }
}

/**
 * `tally token create|list|revoke`: API tokens straight in the ledger's
 * database, for the first admin token and for when the API is not up. The
 * same checks as `POST /v1/tokens`; the token text is printed once.
 */
export function registerToken(program: Command, _logger: Logger): void {
  const token = program
    .command("token")
    .description("API tokens in the cloud's ledger (from TALLY_DATA_DIR or TALLY_DATABASE_URL), without the API");
  token
    .command("create")
    .description("create a token and print it once: { id, token, role, … }")
    .requiredOption("--role <role>", "viewer, operator, supervisor, admin or edge")
    .requiredOption("--name <name>", "who or what holds it (shown in the audit log)")
    .option("--site <site...>", "limit it to these sites (an edge token names exactly one)")
    .option("--edge <edgeId>", "for --role edge: the edge it speaks for")
    .action(async (opts: { role: string; name: string; site?: string[]; edge?: string }) => {
      const { issueToken, Role } = await import("@tally/cloud");
      const role = safeParseUntrusted(Role, opts.role);
      if (!role.success) throw new CliError("TALLY_ERR_USAGE", `--role must be one of ${Role.options.join(", ")}`);
      const bad = [...(opts.site ?? []), ...(opts.edge !== undefined ? [opts.edge] : [])].find(
        (s) => !/^[A-Za-z0-9_.-]{1,64}$/.test(s),
      );
      if (bad !== undefined) throw new CliError("TALLY_ERR_USAGE", `not a site or edge id: ${JSON.stringify(bad)}`);
      const issued = await withSecurityStore((security) =>
        issueToken(security, {
          name: opts.name,
          role: role.data,
          sites: opts.site,
          edgeId: opts.edge,
          createdBy: `cli:${userInfo().username}`,
        }),
      );
      if (!issued.ok) throw new CliError("TALLY_ERR_USAGE", issued.reason);
      printJson({ ...issued.token, token: issued.text });
    });
  token
    .command("list")
    .description("one JSON object per token (never its secret)")
    .option("--all", "include revoked tokens")
    .action(async (opts: { all?: boolean }) => {
      const tokens = await withSecurityStore((security) => security.tokens({ includeRevoked: opts.all === true }));
      for (const t of tokens) printJson(t);
    });
  token
    .command("revoke")
    .description("revoke a token by id (cloud instances stop accepting it within 5 s)")
    .argument("<id>", "the token's id (tly_<id>_…)")
    .action(async (id: string) => {
      const revoked = await withSecurityStore((security) => security.revokeToken(id, `cli:${userInfo().username}`));
      if (revoked === undefined) throw new CliError("TALLY_ERR_NOT_FOUND", `no token ${id}`);
      printJson(revoked);
    });
}
