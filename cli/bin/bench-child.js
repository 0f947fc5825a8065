#!/usr/bin/env node
// A process of `tally bench e2e` (publisher, subscriber or bare broker), run through tsx like `tally`.
import { register } from "tsx/esm/api";

register();
await import("../src/bench/e2e/bench-child.ts");
