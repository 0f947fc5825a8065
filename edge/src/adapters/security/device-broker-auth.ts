import type { TLSSocket } from "node:tls";
import type { AuthenticateError, Client, Connection } from "aedes";
import type { Logger } from "pino";
import type { DeviceAcl, DeviceIdentity, MqttRefusal } from "../../domain/device-acl.js";
import { TokenBucket } from "../../domain/token-bucket.js";
import { verifyPassword } from "./scrypt-password.js";

/** Who may use the device broker and how much: the edge's rules for it. */
export interface DeviceBrokerSecurity {
  acl: DeviceAcl;
  /** Device id → password hash (`scrypt$…`); without it no password is accepted. */
  credentials?: Readonly<Record<string, string>> | undefined;
  /** Whether clients without credentials are let in (development mode on the loopback, or insecure). */
  anonymous: boolean;
  /** Publishes per second per authenticated client, with the burst it may save up. */
  rate?: { perSecond: number; burst: number } | undefined;
}

/** MQTT 3.1.1 §3.2.2.3 CONNACK return codes (MQTT 5 clients get their 5.0 equivalents from aedes). */
const IDENTIFIER_REJECTED = 2;
const BAD_CREDENTIALS = 4;
const NOT_AUTHORIZED = 5;

function authError(returnCode: 2 | 4 | 5, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode });
}

const identityKey = (identity: DeviceIdentity): string =>
  identity.kind === "device" ? `device:${identity.deviceId}` : "anonymous";

/**
 * The device broker's aedes hooks: authenticate from a password or a client
 * certificate, topic rules from the site file, a token bucket per
 * authenticated client. Each refusal is reported to `onRefused` and logged:
 * a warning the first time for a client, debug after.
 */
export class DeviceBrokerAuth {
  private readonly identities = new WeakMap<Client, DeviceIdentity>();
  /**
   * One bucket per device, shared by all its connections: reconnecting does not
   * refill it. Bounded by the site file (only its devices authenticate).
   */
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly warned = new WeakSet<object>();
  /** Login refusals already warned about, by who tried: a client retrying a bad password warns once. */
  private readonly warnedLogins = new Set<string>();
  /** Clients connected now, by client id: another identity may not take over a session. */
  private readonly connected = new Map<string, Client>();
  /** A client certificate's subject CN per connection, when client certificates are required. */
  private readonly certificateNames = new WeakMap<Connection, string>();

  constructor(
    private readonly security: DeviceBrokerSecurity,
    private readonly logger: Logger,
    private readonly onRefused: (refusal: MqttRefusal) => void,
  ) {}

  /** Notes the device a TLS client certificate names (its subject CN) for the connection the broker gets. */
  rememberCertificate(tlsSocket: TLSSocket, connection: Connection): void {
    const subject = tlsSocket.getPeerCertificate().subject as Record<string, string | string[]> | undefined;
    const cn = subject?.CN;
    if (typeof cn === "string" && cn !== "") this.certificateNames.set(connection, cn);
  }

  identity(client: Client | null): DeviceIdentity | undefined {
    return client === null ? undefined : this.identities.get(client);
  }

  clientReady(client: Client): void {
    this.connected.set(client.id, client);
  }

  clientGone(client: Client): void {
    if (this.connected.get(client.id) === client) this.connected.delete(client.id);
  }

  /** Reports a refusal: counted, and logged loudly once per client (a connected one, or a login by name). */
  refused(client: Client | string, refusal: MqttRefusal, detail: Record<string, unknown>): void {
    this.onRefused(refusal);
    const fields = { refusal, ...detail };
    if (this.firstFrom(client)) this.logger.warn(fields, "device broker refused a client's request");
    else this.logger.debug(fields, "device broker refused a client's request");
  }

  private firstFrom(client: Client | string): boolean {
    if (typeof client !== "string") {
      if (this.warned.has(client)) return false;
      this.warned.add(client);
      return true;
    }
    if (this.warnedLogins.has(client)) return false;
    // Bounded: a flood of made-up names must not grow it without end.
    if (this.warnedLogins.size >= 1000) this.warnedLogins.clear();
    this.warnedLogins.add(client);
    return true;
  }

  /** Who a refused login was, for its warning: the username it claimed, else its client id. */
  private static login(client: Client, username: string | undefined): string {
    return `login:${username ?? `client:${client.id}`}`;
  }

  authenticate = (
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void => {
    const admit = (identity: DeviceIdentity): void => {
      const holder = this.connected.get(client.id);
      const holderIdentity = holder === undefined ? undefined : this.identities.get(holder);
      if (holder !== undefined && !holder.closed && holderIdentity !== undefined) {
        if (identityKey(holderIdentity) !== identityKey(identity)) {
          this.refused(DeviceBrokerAuth.login(client, username), "client-id-taken", {
            clientId: client.id,
            as: identityKey(identity),
          });
          done(authError(IDENTIFIER_REJECTED, "client id in use by another device"), false);
          return;
        }
      }
      this.identities.set(client, identity);
      const rate = this.security.rate;
      if (identity.kind === "device" && rate !== undefined && !this.buckets.has(identity.deviceId)) {
        this.buckets.set(identity.deviceId, new TokenBucket(rate.perSecond, rate.burst));
      }
      done(null, true);
    };
    const fromCertificate = this.certificateNames.get(client.conn);
    if (fromCertificate !== undefined) {
      if (username !== undefined && username !== fromCertificate) {
        this.refused(DeviceBrokerAuth.login(client, username), "bad-credentials", {
          clientId: client.id,
          username,
          certificate: fromCertificate,
        });
        done(authError(BAD_CREDENTIALS, "username does not match the client certificate"), false);
        return;
      }
      if (!this.security.acl.knows(fromCertificate)) {
        this.refused(DeviceBrokerAuth.login(client, fromCertificate), "unknown-device", {
          clientId: client.id,
          certificate: fromCertificate,
        });
        done(authError(NOT_AUTHORIZED, "no such device in the site file"), false);
        return;
      }
      admit({ kind: "device", deviceId: fromCertificate });
      return;
    }
    if (username === undefined || username === "") {
      if (this.security.anonymous) {
        admit({ kind: "anonymous" });
        return;
      }
      this.refused(DeviceBrokerAuth.login(client, undefined), "anonymous", { clientId: client.id });
      done(authError(NOT_AUTHORIZED, "credentials required"), false);
      return;
    }
    const known = this.security.acl.knows(username);
    const hash = known ? this.security.credentials?.[username] : undefined;
    // The same scrypt work whether or not the device exists, so timing does not tell which ids do.
    verifyPassword(password ?? Buffer.alloc(0), hash).then(
      (matches) => {
        if (matches) {
          admit({ kind: "device", deviceId: username });
          return;
        }
        this.refused(DeviceBrokerAuth.login(client, username), known ? "bad-credentials" : "unknown-device", {
          clientId: client.id,
          username,
        });
        done(authError(BAD_CREDENTIALS, "bad username or password"), false);
      },
      (error: unknown) => {
        this.logger.error({ err: (error as Error).message }, "password check failed");
        done(authError(NOT_AUTHORIZED, "password check failed"), false);
      },
    );
  };

  /** The topic rule for a publish; undefined when allowed, else the refusal. */
  checkPublish(client: Client | null, topic: string): MqttRefusal | undefined {
    // The broker's own publishes (dead letters) have no client.
    if (client === null) return undefined;
    const identity = this.identities.get(client);
    if (identity === undefined) return "anonymous";
    const verdict = this.security.acl.canPublish(identity, topic);
    if (verdict.ok) return undefined;
    this.refused(client, verdict.refusal, {
      clientId: client.id,
      as: identityKey(identity),
      topic: topic.slice(0, 200),
    });
    return verdict.refusal;
  }

  /** How long a client's next publish must wait for its device's rate, ms (0: now, and the token is taken). */
  rateWaitMs(client: Client | null, nowMs: number): number {
    const identity = client === null ? undefined : this.identities.get(client);
    const bucket = identity?.kind === "device" ? this.buckets.get(identity.deviceId) : undefined;
    if (bucket === undefined || bucket.take(nowMs)) return 0;
    return Math.max(1, bucket.waitMs(nowMs));
  }

  /** The topic rule for a subscription; true when allowed. */
  checkSubscribe(client: Client, topicFilter: string): boolean {
    const identity = this.identities.get(client);
    if (identity === undefined) return false;
    const verdict = this.security.acl.canSubscribe(identity, topicFilter);
    if (verdict.ok) return true;
    this.refused(client, verdict.refusal, {
      clientId: client.id,
      as: identityKey(identity),
      topic: topicFilter.slice(0, 200),
    });
    return false;
  }
}
