#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx tally` needs no build step.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
