import { existsSync } from "node:fs";
import { request } from "node:http";

/** How long the Docker engine gets to answer a ping before tests move on to local binaries, ms. */
const DOCKER_PING_MS = 1500;

/** True when a Docker engine (DOCKER_HOST or /var/run/docker.sock) answers GET /_ping in time. */
export async function dockerAnswers(): Promise<boolean> {
  const dockerHost = process.env.DOCKER_HOST;
  let target: { socketPath: string } | { host: string; port: number };
  if (dockerHost !== undefined && dockerHost !== "") {
    const parsed = new URL(dockerHost);
    if (parsed.protocol === "unix:") target = { socketPath: parsed.pathname };
    else if (parsed.protocol === "tcp:" || parsed.protocol === "http:") {
      target = { host: parsed.hostname, port: Number(parsed.port || 2375) };
    } else return false;
  } else if (existsSync("/var/run/docker.sock")) {
    target = { socketPath: "/var/run/docker.sock" };
  } else {
    return false;
  }
  return new Promise((resolve) => {
    const req = request({ ...target, path: "/_ping", timeout: DOCKER_PING_MS }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end();
  });
}
