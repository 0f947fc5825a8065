import { ErrorCode } from "@tally/protocols";
import { type CloudConfig, isLoopbackHost } from "./config.js";

/** What the security check reads: the listeners, the mode, TLS and the external broker's credentials. */
export interface SecuritySettings {
  host: string;
  mqtt: CloudConfig["mqtt"];
  mode: CloudConfig["mode"];
  httpTls?: CloudConfig["httpTls"] | undefined;
  brokerTls?: CloudConfig["brokerTls"] | undefined;
  mqttAuth?: CloudConfig["mqttAuth"] | undefined;
  influxUrl?: string | undefined;
}

/** One reason the cloud is not safe to expose, with what to set to fix it. */
export interface SecurityProblem {
  problem: string;
  fix: string;
}

/**
 * What keeps the cloud from being secure by default beyond the loopback:
 * development mode off the loopback, listeners without TLS, an external
 * broker reached anonymously (anywhere but on this machine in development
 * mode) or in clear text (anywhere but on this machine). On the loopback
 * nothing is reachable from another machine, so nothing is reported there.
 */
export function cloudSecurityProblems(config: SecuritySettings): SecurityProblem[] {
  const problems: SecurityProblem[] = [];
  const httpExposed = !isLoopbackHost(config.host);
  const brokerExposed = "embedded" in config.mqtt && !isLoopbackHost(config.mqtt.embedded.host);
  if (config.mode === "development" && (httpExposed || brokerExposed)) {
    problems.push({
      problem: "development mode (open reads) on an address other machines can reach",
      fix: "set TALLY_MODE=production, or bind TALLY_HTTP_HOST and TALLY_CLOUD_MQTT_HOST to 127.0.0.1",
    });
  }
  if (httpExposed && config.httpTls === undefined) {
    problems.push({
      problem: `the HTTP API listens on ${config.host} without TLS: tokens would cross the network in clear`,
      fix: "set TALLY_HTTP_TLS_CERT and TALLY_HTTP_TLS_KEY (PEM files)",
    });
  }
  if (brokerExposed && config.brokerTls === undefined && "embedded" in config.mqtt) {
    problems.push({
      problem: `the cloud's MQTT broker listens on ${config.mqtt.embedded.host} without TLS: edges' credentials and batches would cross the network in clear`,
      fix: "set TALLY_CLOUD_MQTT_TLS_CERT and TALLY_CLOUD_MQTT_TLS_KEY (PEM files)",
    });
  }
  if ("url" in config.mqtt) {
    const url = new URL(config.mqtt.url);
    // A broker on this machine reached anonymously is a development setup; anywhere else, or in production, not.
    if (config.mqttAuth === undefined && (config.mode === "production" || !isLoopbackHost(url.hostname))) {
      problems.push({
        problem: "the cloud connects to the external broker anonymously: its ACL cannot tell the cloud from anyone",
        fix: "set TALLY_CLOUD_MQTT_USERNAME and TALLY_CLOUD_MQTT_PASSWORD, and allow_anonymous false on the broker",
      });
    }
    if (
      !isLoopbackHost(url.hostname) &&
      (url.protocol === "mqtt:" || url.protocol === "tcp:" || url.protocol === "ws:")
    ) {
      problems.push({
        problem: `the external broker ${url.host} is reached without TLS`,
        fix: "use an mqtts:// (or wss://) TALLY_CLOUD_MQTT_URL, with TALLY_CLOUD_MQTT_CA when its CA is private",
      });
    }
  }
  if (config.influxUrl !== undefined) {
    const url = new URL(config.influxUrl);
    // Telemetry and InfluxDB's credentials cross the network to another machine: TLS and a user, as for the broker.
    if (!isLoopbackHost(url.hostname)) {
      if (url.protocol === "http:") {
        problems.push({
          problem: `InfluxDB ${url.host} is reached without TLS`,
          fix: "use an https:// TALLY_INFLUX_URL",
        });
      }
      if (url.username === "") {
        problems.push({
          problem: `InfluxDB ${url.host} is reached without credentials`,
          fix: "put a user and password in TALLY_INFLUX_URL (https://user:password@host:8086/tally) and enable auth on InfluxDB",
        });
      }
    }
  }
  return problems;
}

/** A cloud refused to start: it would listen beyond the loopback without what makes that safe. */
export class CloudStartError extends Error {
  override readonly name = "CloudStartError";
  readonly code = ErrorCode.InsecureConfig;
  constructor(readonly problems: readonly SecurityProblem[]) {
    const list = problems.map((p, i) => `(${i + 1}) ${p.problem}; fix: ${p.fix}`).join(" ");
    super(`refusing to start the cloud: ${list}. Or pass --insecure (TALLY_INSECURE=true) to start anyway.`);
  }
}
