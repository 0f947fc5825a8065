import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // vitest's default is one worker per core less one: a single worker on a 2-core machine. Most files
    // wait on servers, brokers and real time rather than compute, so two share the machine well; tests
    // must pass on a loaded machine anyway.
    maxWorkers: 2,
    reporters: ["default", "json"],
    outputFile: { json: ".data/vitest-report.json" },
    projects: [
      {
        extends: true,
        test: {
          name: "tally",
          include: ["{protocols,edge,cloud,simulators,cli}/src/**/*.test.ts", "test/**/*.test.ts"],
          exclude: ["test/faults/**", "**/node_modules/**"],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // The fault suite runs its own edges, clouds, brokers and databases as child processes and
        // kills them: one file at a time, after the rest, so it has the machine to itself.
        extends: true,
        test: {
          name: "faults",
          include: ["test/faults/**/*.test.ts"],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          testTimeout: 300_000,
        },
      },
    ],
  },
});
