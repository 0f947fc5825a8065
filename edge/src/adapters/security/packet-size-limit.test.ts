import { Duplex } from "node:stream";
import { describe, expect, it } from "vitest";
import { limitPacketSize } from "./packet-size-limit.js";

/** A stand-in for a client's socket that records each write it gets: one entry per system call a socket would make. */
function recordingSocket() {
  const calls: Buffer[][] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      calls.push([chunk]);
      callback();
    },
    writev(chunks, callback) {
      calls.push(chunks.map((c) => c.chunk as Buffer));
      callback();
    },
  });
  return { socket, calls };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const puback = (id: number) => Buffer.from([0x40, 0x02, 0x00, id]);

describe("limitPacketSize", () => {
  it("sends what the broker writes in one turn as one write, in order", async () => {
    const { socket, calls } = recordingSocket();
    const guarded = limitPacketSize(socket, 1024, () => {});
    for (let id = 1; id <= 3; id++) guarded.write(puback(id));
    await nextTurn();
    guarded.write(puback(4));
    await nextTurn();
    expect(calls).toEqual([[puback(1), puback(2), puback(3)], [puback(4)]]);
  });

  it("passes a packet within the limit to the broker and refuses one announced over it", async () => {
    const { socket } = recordingSocket();
    const refused: string[] = [];
    const guarded = limitPacketSize(socket, 16, (verdict) => refused.push(verdict.reason));
    const read: Buffer[] = [];
    guarded.on("data", (chunk: Buffer) => read.push(chunk));
    socket.emit("data", puback(7));
    await nextTurn();
    expect(Buffer.concat(read)).toEqual(puback(7));
    // A PUBLISH announcing 200 bytes of remaining length.
    socket.emit("data", Buffer.from([0x30, 0xc8, 0x01]));
    await nextTurn();
    expect(refused).toEqual(["too-large"]);
    expect(guarded.destroyed).toBe(true);
  });
});
