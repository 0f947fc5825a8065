import { connect, createServer, type Socket } from "node:net";

/** Which way a half-open connection is dead: towards the target (server) or back towards the client. */
export type DeadDirection = "to-target" | "to-client";

/**
 * A TCP proxy that injects network faults between a client and its server:
 * how a play cuts the edge's uplink from the outside, and how the fault suite
 * plays blackholes, half-open connections and latency.
 *
 * A stalled direction (blackhole, or the dead side of a half-open connection)
 * delivers nothing and says nothing: no FIN, no RST (not even when the other
 * end closes), the connection stays open. What the endpoints write meanwhile is held back, as a sender's TCP
 * stack holds unacknowledged segments and retransmits them into the void; it
 * arrives once the fault is lifted, unless an endpoint gave up and closed the
 * connection first (then the other side sees the close after the restore).
 * Dropping the bytes of a live TCP stream instead would corrupt it, which no
 * network does.
 */
export interface TcpProxy {
  /** `host:port` clients connect to. */
  readonly port: number;
  readonly host: string;
  /** Drops every connection and refuses new ones until `restore`. */
  cut(): void;
  /** Nothing passes either way, on open and new connections; nothing is closed. */
  blackhole(): void;
  /** One direction is dead (held), on open and new connections; the other works. */
  halfOpen(dead: DeadDirection): void;
  /** Adds this delay to every byte each way, ms (0: none). Order is kept. */
  latency(ms: number): void;
  /** Lifts the cut and every fault; held bytes flow again. */
  restore(): void;
  readonly isCut: boolean;
  /** Bytes written by the endpoints and not yet delivered (held by a fault or delayed). */
  readonly heldBytes: number;
  /** Connection closes seen on one side and not yet passed on to the other (held by a fault). */
  readonly heldCloses: number;
  close(): Promise<void>;
}

/** Most bytes queued in the proxy per direction before it stops reading from the sender. */
const QUEUE_HIGH_WATER = 1024 * 1024;

interface Direction {
  readonly name: DeadDirection;
  readonly from: Socket;
  readonly to: Socket;
  readonly queue: { due: number; chunk: Buffer }[];
  queuedBytes: number;
  ended: boolean;
  /** The FIN was passed on. */
  endSent: boolean;
  /** The sender's socket closed (reset or fully closed): passed on, like its bytes, once the direction lives. */
  closed: boolean;
  timer: NodeJS.Timeout | undefined;
  waitingForDrain: boolean;
}

/** Starts a proxy on `host` (default 127.0.0.1) and a free port, forwarding to `target`. Nagle is off both ways. */
export async function startTcpProxy(target: { host: string; port: number }, host = "127.0.0.1"): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const directions = new Set<Direction>();
  let cut = false;
  let blackholed = false;
  let dead: DeadDirection | undefined;
  let latencyMs = 0;

  const stalled = (d: Direction) => blackholed || dead === d.name;
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => s.destroy());
  };

  const pump = (d: Direction): void => {
    if (d.timer !== undefined) {
      clearTimeout(d.timer);
      d.timer = undefined;
    }
    if (d.to.destroyed) {
      directions.delete(d);
      return;
    }
    while (!stalled(d) && !d.waitingForDrain) {
      const head = d.queue[0];
      if (head === undefined) break;
      const wait = head.due - Date.now();
      if (wait > 0) {
        d.timer = setTimeout(() => pump(d), wait);
        break;
      }
      d.queue.shift();
      d.queuedBytes -= head.chunk.byteLength;
      if (!d.to.write(head.chunk)) {
        d.waitingForDrain = true;
        d.to.once("drain", () => {
          d.waitingForDrain = false;
          pump(d);
        });
      }
    }
    if (d.queue.length === 0 && !stalled(d) && !d.waitingForDrain) {
      if (d.closed) {
        directions.delete(d);
        const to = d.to;
        to.end(() => to.destroy());
        return;
      }
      if (d.ended && !d.endSent) {
        d.endSent = true;
        d.to.end();
      }
    }
    // Past the high-water mark the bytes wait in the sender's buffers instead of the proxy's.
    if (d.queuedBytes >= QUEUE_HIGH_WATER || d.waitingForDrain) d.from.pause();
    else d.from.resume();
  };

  const relay = (name: DeadDirection, from: Socket, to: Socket): void => {
    const d: Direction = {
      name,
      from,
      to,
      queue: [],
      queuedBytes: 0,
      ended: false,
      endSent: false,
      closed: false,
      timer: undefined,
      waitingForDrain: false,
    };
    directions.add(d);
    from.on("data", (chunk: Buffer) => {
      d.queue.push({ due: Date.now() + latencyMs, chunk });
      d.queuedBytes += chunk.byteLength;
      pump(d);
    });
    from.on("end", () => {
      d.ended = true;
      pump(d);
    });
    from.on("close", () => {
      d.closed = true;
      pump(d);
    });
    pump(d);
  };

  const server = createServer({ allowHalfOpen: true }, (client) => {
    track(client);
    if (cut) {
      client.destroy();
      return;
    }
    client.setNoDelay(true);
    const upstream = connect({ port: target.port, host: target.host, allowHalfOpen: true });
    track(upstream);
    upstream.setNoDelay(true);
    // A side's close reaches the other through its direction, so a stalled direction hides it too.
    relay("to-target", client, upstream);
    relay("to-client", upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  const pumpAll = () => {
    for (const d of directions) pump(d);
  };
  return {
    port,
    host,
    cut() {
      cut = true;
      for (const s of sockets) s.destroy();
    },
    blackhole() {
      blackholed = true;
      pumpAll();
    },
    halfOpen(direction) {
      dead = direction;
      pumpAll();
    },
    latency(ms) {
      latencyMs = Math.max(0, ms);
    },
    restore() {
      cut = false;
      blackholed = false;
      dead = undefined;
      latencyMs = 0;
      pumpAll();
    },
    get isCut() {
      return cut;
    },
    get heldCloses() {
      let n = 0;
      for (const d of directions) if (d.closed || (d.ended && !d.endSent)) n += 1;
      return n;
    },
    get heldBytes() {
      let n = 0;
      for (const d of directions) n += d.queuedBytes;
      return n;
    },
    async close() {
      cut = true;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
