import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";

/** A server that keeps what each connection sent it, and its sockets so a test can answer. */
async function recordingServer(): Promise<{
  server: Server;
  port: number;
  received: () => string;
  peer: () => Socket;
}> {
  let text = "";
  let last: Socket | undefined;
  const server = createServer((socket) => {
    last = socket;
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    socket.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    received: () => text,
    peer: () => {
      if (last === undefined) throw new Error("no connection yet");
      return last;
    },
  };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("startTcpProxy faults", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const clean of cleanups.splice(0).reverse()) await clean();
  });

  async function setup(): Promise<{
    proxy: TcpProxy;
    client: Socket;
    fromClient: () => string;
    toClient: (text: string) => void;
    atClient: () => string;
    peer: () => Socket;
  }> {
    const target = await recordingServer();
    cleanups.push(() => new Promise<void>((resolve) => target.server.close(() => resolve())));
    const proxy = await startTcpProxy({ host: "127.0.0.1", port: target.port });
    cleanups.push(() => proxy.close());
    const client = connect(proxy.port, proxy.host);
    client.on("error", () => client.destroy());
    cleanups.push(() => {
      client.destroy();
    });
    let atClient = "";
    client.on("data", (chunk: Buffer) => {
      atClient += chunk.toString();
    });
    await new Promise<void>((resolve) => client.once("connect", () => resolve()));
    client.write("hello");
    await until(() => target.received() === "hello", "the first bytes through the proxy");
    return {
      proxy,
      client,
      fromClient: target.received,
      toClient: (text) => target.peer().write(text),
      atClient: () => atClient,
      peer: target.peer,
    };
  }

  it("holds every byte both ways in a blackhole, keeps the connection open, and delivers them once restored", async () => {
    const { proxy, client, fromClient, toClient, atClient } = await setup();
    proxy.blackhole();
    client.write(" world");
    toClient("pong");
    await until(() => proxy.heldBytes === " world".length + "pong".length, "both writes held");
    // Held, not delivered: the counts exclude each other.
    expect(fromClient()).toBe("hello");
    expect(atClient()).toBe("");
    expect(client.destroyed).toBe(false);
    proxy.restore();
    await until(() => fromClient() === "hello world" && atClient() === "pong", "held bytes delivered");
    expect(proxy.heldBytes).toBe(0);
  });

  it("hides a close in a blackhole until it is restored", async () => {
    const { proxy, client, peer } = await setup();
    let clientClosed = false;
    client.on("close", () => {
      clientClosed = true;
    });
    proxy.blackhole();
    // The server gives up on the silent connection and resets it: the client must not hear of it yet.
    peer().destroy();
    await until(() => proxy.heldCloses === 1, "the server's close held");
    expect(clientClosed).toBe(false);
    proxy.restore();
    await until(() => clientClosed, "the close passed on after the restore");
  });

  it("holds a new connection's bytes during a blackhole as well", async () => {
    const { proxy, fromClient } = await setup();
    proxy.blackhole();
    const late = connect(proxy.port, proxy.host);
    late.on("error", () => late.destroy());
    cleanups.push(() => {
      late.destroy();
    });
    late.write("late");
    await until(() => proxy.heldBytes === 4, "the new connection's bytes held");
    expect(fromClient()).toBe("hello");
    proxy.restore();
    await until(() => fromClient() === "hellolate", "the new connection's bytes delivered");
  });

  it("kills one direction only in a half-open connection", async () => {
    const { proxy, client, fromClient, toClient, atClient } = await setup();
    proxy.halfOpen("to-client");
    toClient("ack-1");
    client.write("+more");
    await until(() => fromClient() === "hello+more", "the live direction still delivers");
    await until(() => proxy.heldBytes === "ack-1".length, "the dead direction holds");
    expect(atClient()).toBe("");
    proxy.restore();
    await until(() => atClient() === "ack-1", "the answer after the restore");

    proxy.halfOpen("to-target");
    client.write("+lost");
    toClient("ack-2");
    await until(() => atClient() === "ack-1ack-2", "the other direction delivers");
    await until(() => proxy.heldBytes === "+lost".length, "the dead direction holds");
    expect(fromClient()).toBe("hello+more");
  });

  it("adds latency each way, keeping the order of the bytes", async () => {
    const { proxy, client, fromClient, toClient, atClient } = await setup();
    proxy.latency(150);
    const sentAt = Date.now();
    for (let i = 0; i < 20; i++) client.write(`${i},`);
    toClient("back");
    await until(() => fromClient().endsWith("19,") && atClient() === "back", "delayed bytes");
    // The delay is the feature under test: no byte may arrive before it (timers never fire early).
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(149);
    expect(fromClient()).toBe(`hello${Array.from({ length: 20 }, (_, i) => `${i},`).join("")}`);
  });

  it("cuts every connection and refuses new ones until restored", async () => {
    const { proxy, client } = await setup();
    const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
    proxy.cut();
    await closed;
    expect(proxy.isCut).toBe(true);
    proxy.restore();
    const again = connect(proxy.port, proxy.host);
    cleanups.push(() => {
      again.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      again.once("connect", () => resolve());
      again.once("error", reject);
    });
  });
});
