import type { Socket } from "node:net";
import type { FastifyInstance } from "fastify";

/** How long in-flight requests get to finish once close() starts, ms. */
const DEFAULT_GRACE_MS = 5000;

/**
 * Makes `app.close()` finish promptly. Node's `server.close()` reaps idle
 * keep-alive sockets but waits for sockets that connected and never sent a
 * request (HTTP clients and browsers open spare ones): those are destroyed
 * at once. Requests still running after `graceMs` are cut off. Long-lived
 * streams (SSE) end themselves in their own preClose hooks.
 */
export function installGracefulClose(app: FastifyInstance, graceMs = DEFAULT_GRACE_MS): void {
  const silent = new Set<Socket>();
  app.server.on("connection", (socket: Socket) => {
    silent.add(socket);
    socket.once("close", () => silent.delete(socket));
  });
  app.server.on("request", (request: { socket: Socket }) => {
    silent.delete(request.socket);
  });
  let timer: NodeJS.Timeout | undefined;
  app.addHook("preClose", async () => {
    for (const socket of silent) socket.destroy();
    timer = setTimeout(() => app.server.closeAllConnections(), graceMs);
    timer.unref();
  });
  app.addHook("onClose", async () => {
    clearTimeout(timer);
  });
}
