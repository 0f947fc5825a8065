import type { Command } from "commander";
import type { Logger } from "pino";
import { printJson } from "../stdout.js";

/**
 * `tally site import <file>`: loads a site file (YAML or JSON) into a running
 * cloud through its API (`PUT /v1/sites/{id}/layout`, an admin's token), so
 * cloud and edge agree on the site's zones, locations and item master.
 */
export function registerSite(program: Command, logger: Logger): void {
  const site = program.command("site").description("site files and the cloud");
  site
    .command("import")
    .description("load a site file (YAML or JSON) into the cloud: its zones, locations and item master")
    .argument("<file>", "the site file")
    .option("--api-url <url>", "the cloud's API", "http://127.0.0.1:8080")
    .option("--api-token <token>", "an admin's token (or TALLY_API_TOKEN)")
    .action(async (file: string, opts: { apiUrl: string; apiToken?: string }) => {
      const { cloudSetup, readSiteFile } = await import("@tally/simulators");
      const layout = await readSiteFile(file);
      const token = opts.apiToken ?? process.env.TALLY_API_TOKEN;
      await cloudSetup({ apiUrl: opts.apiUrl, token: token === "" ? undefined : token }).importSite(layout);
      logger.info({ site: layout.siteId, api: opts.apiUrl }, "site imported");
      printJson({
        event: "site-imported",
        siteId: layout.siteId,
        zones: layout.zones.length,
        locations: layout.locations.length,
        items: layout.items.length,
      });
    });
}
