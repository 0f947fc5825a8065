import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { SiteLayout } from "@tally/protocols";
import { loadSiteLayout } from "./site-file.js";

/** The demo site file's text. */
export const demoSiteText = readFileSync(
  fileURLToPath(new URL("../scenarios/demo-site.yaml", import.meta.url)),
  "utf8",
);

export const demoSite = (): SiteLayout => loadSiteLayout(demoSiteText);
