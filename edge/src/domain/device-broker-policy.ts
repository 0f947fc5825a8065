/** How the edge runs: development relaxes device authentication, on the loopback only. */
export type EdgeMode = "development" | "production";

/** Whether a host name or address is this machine only. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === "::ffff:127.0.0.1";
}

/** A reason the edge will not start as configured, and what to set to fix it. */
export interface StartProblem {
  problem: string;
  fix: string;
}

export interface DeviceBrokerPolicyInput {
  mode: EdgeMode;
  /** TALLY_INSECURE: start anyway, anonymous devices included, with a loud warning. */
  insecure: boolean;
  /** The embedded device broker; undefined when devices use an external broker (its own rules apply). */
  embedded?: { host: string; tls: boolean; clientCertificates: boolean; credentialsFile: boolean } | undefined;
}

export interface DeviceBrokerPolicy {
  /** Whether the embedded broker lets clients in without credentials. */
  anonymous: boolean;
  /** What is unsafe; the edge refuses to start with any unless insecure. */
  problems: StartProblem[];
}

/**
 * Decides whether the embedded device broker may let anonymous devices in
 * and what makes a configuration unsafe. Development accepts anonymous
 * devices, on the loopback only. Production needs a way to tell devices
 * apart (a credentials file or client certificates) and, off the loopback,
 * TLS so that passwords do not cross the network in clear.
 */
export function deviceBrokerPolicy(input: DeviceBrokerPolicyInput): DeviceBrokerPolicy {
  const broker = input.embedded;
  if (broker === undefined) return { anonymous: false, problems: [] };
  const loopback = isLoopback(broker.host);
  const problems: StartProblem[] = [];
  if (input.mode === "development" && !loopback) {
    problems.push({
      problem: `development mode accepts anonymous devices, and the device broker binds ${broker.host}, beyond the loopback`,
      fix: "set TALLY_MODE=production, or TALLY_EDGE_MQTT_HOST=127.0.0.1",
    });
  }
  if (input.mode === "production" && !broker.credentialsFile && !broker.clientCertificates) {
    problems.push({
      problem: "no device credentials: any client could publish as any device",
      fix: "set TALLY_DEVICE_CREDENTIALS_FILE (entries made with `tally device credential`), or TALLY_EDGE_MQTT_TLS_CA for client certificates",
    });
  }
  if (!loopback && !broker.tls) {
    problems.push({
      problem: `the device broker binds ${broker.host} without TLS: device passwords would cross the network in clear`,
      fix: "set TALLY_EDGE_MQTT_TLS_CERT and TALLY_EDGE_MQTT_TLS_KEY, or TALLY_EDGE_MQTT_HOST=127.0.0.1",
    });
  }
  const anonymous =
    (input.mode === "development" && (loopback || input.insecure)) ||
    (input.insecure && !broker.credentialsFile && !broker.clientCertificates);
  return { anonymous, problems };
}
