/** Writes one JSON object as a line on stdout: the CLI's machine-readable output. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
