import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{protocols,edge,cloud,simulators,cli}/src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    reporters: ["default", "json"],
    outputFile: { json: ".data/vitest-report.json" },
  },
});
