import { Duplex } from "node:stream";
import { MqttPacketSizeGuard, type PacketSizeVerdict } from "@tally/protocols";

/**
 * Puts a packet size check between a client's socket and the broker: every
 * chunk goes through a `MqttPacketSizeGuard` before the broker reads it, and
 * a packet that announces more than `maxPacketBytes` destroys the socket
 * from its fixed header alone. aedes's parser keeps a whole packet in memory
 * before it looks at it, and neither aedes nor mqtt-packet has a size limit,
 * so without this a client decides how much the broker buffers. Reads keep
 * the socket's backpressure: when the broker stops reading, so does the socket.
 *
 * What the broker writes in one turn of the event loop (the PUBACKs of a
 * journal group, resolved together) leaves in one `writev`, not one system
 * call per packet: the socket is corked at the turn's first write and
 * uncorked once the turn's callbacks have run.
 */
export function limitPacketSize(
  socket: Duplex,
  maxPacketBytes: number,
  onRefused: (verdict: Exclude<PacketSizeVerdict, { ok: true }>) => void,
): Duplex {
  const guard = new MqttPacketSizeGuard(maxPacketBytes);
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  const guarded = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      if (!corked) {
        corked = true;
        socket.cork();
        process.nextTick(uncork);
      }
      if (socket.write(chunk)) callback();
      else socket.once("drain", () => callback());
    },
    final(callback) {
      socket.end(() => callback());
    },
    destroy(error, callback) {
      socket.destroy();
      callback(error);
    },
  });
  socket.on("data", (chunk: Buffer) => {
    const verdict = guard.feed(chunk);
    if (!verdict.ok) {
      socket.pause();
      onRefused(verdict);
      guarded.destroy();
      return;
    }
    if (!guarded.push(chunk)) socket.pause();
  });
  socket.once("end", () => guarded.push(null));
  socket.once("error", (error) => guarded.destroy(error));
  socket.once("close", () => guarded.destroy());
  return guarded;
}
