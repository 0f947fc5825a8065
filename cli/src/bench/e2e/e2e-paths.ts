import { deviceTopic, type SiteLayout } from "@tally/protocols";
import type { E2eSystem } from "./e2e-system.js";
import { type E2eWorkload, expectedMovements } from "./e2e-workload.js";
import type { JsonLinesProcess } from "./json-lines-process.js";
import { quantile, readProcessStats, readRss, resetPeakRss } from "./process-stats.js";
import { PublisherDone, type PublisherOptions } from "./publisher-role.js";
import { SubscriberDone } from "./subscriber-role.js";

/** How long a child may take to start or finish a step, ms (tsx compiles on first start). */
export const STEP_TIMEOUT_MS = 600_000;
/** The ledger's count not moving for this long ends the run as a failure, ms. */
const STALL_MS = 60_000;
/** How often the cloud's metrics are read while waiting for commits, ms (each read costs the cloud a little). */
const POLL_MS = 100;

/** The long-lived publisher and subscriber processes of a run. */
export interface Clients {
  publisher: JsonLinesProcess;
  subscriber: JsonLinesProcess;
}

/** One step of a run: a case, or its warm-up, through each path. */
export interface E2eStep {
  workload: E2eWorkload;
  /** The device that sends it: the scanner, or a portal of its own. */
  deviceId: string;
  messages: number;
  serialBase: number;
  window: number;
  ratePerS?: number;
  location?: string;
}

/** What `watch` gives for each process over a step. */
interface ProcessFigures {
  cpuMs: number;
  peakRssBytes: number;
  /** The median of its RSS sampled every {@link RSS_SAMPLE_MS} over the step. */
  medianRssBytes: number;
}

/** How often `watch` samples each process's RSS, ms. */
const RSS_SAMPLE_MS = 250;

/**
 * CPU time, peak RSS and median RSS of processes over a step: reset their
 * peaks first, sample their RSS while it runs, then read them after. The
 * peak of a long step holds one more turn of V8 growing its heap before a
 * full collection than a short one's; the median is what the process keeps.
 */
async function watch(pids: Record<string, number>): Promise<() => Promise<Record<string, ProcessFigures>>> {
  const before: Record<string, number> = {};
  const samples: Record<string, number[]> = {};
  for (const [name, pid] of Object.entries(pids)) {
    await resetPeakRss(pid);
    before[name] = (await readProcessStats(pid)).cpuMs;
    samples[name] = [];
  }
  let sampling: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    sampling = Promise.all(
      Object.entries(pids).map(async ([name, pid]) => samples[name]?.push(await readRss(pid).catch(() => 0))),
    );
  }, RSS_SAMPLE_MS);
  return async () => {
    clearInterval(timer);
    await sampling;
    const out: Record<string, ProcessFigures> = {};
    for (const [name, pid] of Object.entries(pids)) {
      const now = await readProcessStats(pid);
      const taken = (samples[name] ?? []).filter((rss) => rss > 0);
      out[name] = {
        cpuMs: now.cpuMs - (before[name] ?? 0),
        peakRssBytes: now.peakRssBytes,
        medianRssBytes:
          taken.length > 0
            ? quantile(
                taken.sort((a, b) => a - b),
                0.5,
              )
            : await readRss(pid),
      };
    }
    return out;
  };
}

/** One case through one path: figures of the processes involved, keyed by role. */
export interface Run {
  messages: number;
  movements: number;
  messagesPerS: number;
  /** Time from the last PUBACK to the last commit (e2e) or the last delivery (baseline), ms. */
  lagMs: number;
  cpuUsPerMessage: Record<string, number>;
  peakRssMb: Record<string, number>;
  medianRssMb: Record<string, number>;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * CPU µs per message and peak and median RSS, MB, of each process. The publisher's CPU
 * is what it reported for its sending (making the RFID payloads beforehand
 * is not the device path's work); the others' is /proc's over the step.
 */
function figures(
  messages: number,
  processes: Record<string, ProcessFigures>,
  publisher: PublisherDone,
): Pick<Run, "cpuUsPerMessage" | "peakRssMb" | "medianRssMb"> {
  const cpuUsPerMessage: Record<string, number> = {};
  const peakRssMb: Record<string, number> = {};
  const medianRssMb: Record<string, number> = {};
  for (const [name, p] of Object.entries(processes)) {
    cpuUsPerMessage[name] = round1(((name === "publisher" ? publisher.cpuMs : p.cpuMs) * 1000) / messages);
    peakRssMb[name] = round1(p.peakRssBytes / 2 ** 20);
    medianRssMb[name] = round1(p.medianRssBytes / 2 ** 20);
  }
  return { cpuUsPerMessage, peakRssMb, medianRssMb };
}

/** The topic of a step's device. */
function topicOf(site: SiteLayout, step: E2eStep): string {
  return deviceTopic(site.siteId, step.deviceId, step.workload === "scan" ? "scan" : "read");
}

/** Waits until the cloud has committed `target` events in all; the time it saw them, epoch ms. */
async function committedBy(system: E2eSystem, target: number): Promise<number> {
  let last = -1;
  let movedAt = Date.now();
  for (;;) {
    const metrics = await system.cloudMetrics();
    const committed = metrics.get("tally_cloud_events_committed_total") ?? 0;
    if (committed >= target) return Date.now();
    const rejected = metrics.get("tally_cloud_events_rejected_total") ?? 0;
    if (rejected > 0) throw new Error(`the cloud refused ${rejected} events (${committed} of ${target} committed)`);
    if (committed !== last) {
      last = committed;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > STALL_MS) {
      const edge = await system.edge.scrape();
      const keys = [
        "tally_edge_messages_received_total",
        "tally_edge_events_queued_total",
        "tally_edge_dead_letters_total",
      ];
      const seen = keys.map((k) => `${k}=${edge.get(k) ?? 0}`).join(" ");
      throw new Error(`the ledger stopped at ${committed} of ${target} committed events (${seen})`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** A case through the device path: publisher → edge (journal, pipelines, outbox, uplink) → cloud → ledger. */
export async function throughSystem(
  system: E2eSystem,
  site: SiteLayout,
  step: E2eStep,
  publisher: JsonLinesProcess,
): Promise<Run & { done: PublisherDone }> {
  const { deviceId } = step;
  const topic = topicOf(site, step);
  const movements = expectedMovements(step.workload, step.messages);
  const before = (await system.cloudMetrics()).get("tally_cloud_events_committed_total") ?? 0;
  const stats = await watch({ publisher: publisher.pid, edge: system.edge.pid, cloud: system.cloudPid });
  const options: PublisherOptions = {
    url: system.edge.deviceMqttUrl,
    clientId: deviceId,
    username: deviceId,
    password: system.devicePasswords.get(deviceId),
    topic,
    workload: step.workload,
    messages: step.messages,
    serialBase: step.serialBase,
    window: step.window,
    ...(step.ratePerS !== undefined && { ratePerS: step.ratePerS }),
    ...(step.location !== undefined && { location: step.location }),
  };
  publisher.send(options);
  const done = PublisherDone.parse(await publisher.next("done", STEP_TIMEOUT_MS));
  const committedAtMs = await committedBy(system, before + movements);
  const processes = await stats();
  return {
    messages: step.messages,
    movements,
    messagesPerS: (step.messages * 1000) / (committedAtMs - done.firstSendMs),
    lagMs: committedAtMs - done.lastAckMs,
    ...figures(step.messages, processes, done),
    done,
  };
}

/** The same messages through a bare broker to a subscriber process that only JSON-parses them. */
export async function throughBroker(
  broker: { url: string; pid: number },
  site: SiteLayout,
  step: E2eStep,
  { publisher, subscriber }: Clients,
): Promise<Run> {
  const topic = topicOf(site, step);
  subscriber.send({ url: broker.url, topic, expected: step.messages });
  await subscriber.next("ready", STEP_TIMEOUT_MS);
  const stats = await watch({ publisher: publisher.pid, broker: broker.pid, subscriber: subscriber.pid });
  const options: PublisherOptions = {
    url: broker.url,
    clientId: `bench-pub-${process.pid}`,
    topic,
    workload: step.workload,
    messages: step.messages,
    serialBase: step.serialBase,
    window: step.window,
  };
  publisher.send(options);
  const done = PublisherDone.parse(await publisher.next("done", STEP_TIMEOUT_MS));
  const received = SubscriberDone.parse(await subscriber.next("done", STEP_TIMEOUT_MS));
  const processes = await stats();
  return {
    messages: step.messages,
    movements: 0,
    messagesPerS: (step.messages * 1000) / (received.lastReceiveMs - done.firstSendMs),
    lagMs: received.lastReceiveMs - done.lastAckMs,
    ...figures(step.messages, processes, done),
  };
}
