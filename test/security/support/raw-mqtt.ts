/** Hand-made MQTT 3.1.1 packets, for attacks a well-behaved client library will not send. */

/** The remaining length as a variable byte integer (MQTT 3.1.1 §2.2.3). */
export function remainingLength(n: number): Buffer {
  const bytes: number[] = [];
  let left = n;
  do {
    let byte = left % 128;
    left = Math.floor(left / 128);
    if (left > 0) byte |= 0x80;
    bytes.push(byte);
  } while (left > 0);
  return Buffer.from(bytes);
}

const utf8 = (s: string): Buffer => {
  const text = Buffer.from(s, "utf8");
  const length = Buffer.alloc(2);
  length.writeUInt16BE(text.length);
  return Buffer.concat([length, text]);
};

/** CONNECT (§3.1) with a clean session, keepalive 60 s, and a username and password when given. */
export function connectPacket(clientId: string, login?: { username: string; password: string }): Buffer {
  const flags = 0x02 | (login !== undefined ? 0xc0 : 0);
  const variable = Buffer.concat([utf8("MQTT"), Buffer.from([4, flags, 0, 60])]);
  const payload = Buffer.concat([
    utf8(clientId),
    ...(login !== undefined ? [utf8(login.username), utf8(login.password)] : []),
  ]);
  const body = Buffer.concat([variable, payload]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]);
}

/** The fixed header and topic of a QoS 1 PUBLISH (§3.3) announcing `payloadBytes` of payload, without the payload. */
export function publishHead(topic: string, payloadBytes: number): Buffer {
  const variable = Buffer.concat([utf8(topic), Buffer.from([0, 1])]);
  return Buffer.concat([Buffer.from([0x32]), remainingLength(variable.length + payloadBytes), variable]);
}
