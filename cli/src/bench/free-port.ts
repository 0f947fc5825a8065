import { createServer } from "node:net";

/**
 * A TCP port on 127.0.0.1 that was free a moment ago, for servers that
 * cannot bind port 0 and report theirs (influxd, postgres): callers retry on
 * a collision.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
