import { useEffect, useState } from "preact/hooks";
import { allPages, api } from "../lib/api.js";
import { ago, label, number } from "../lib/format.js";
import { html } from "../lib/html.js";
import { Chart } from "./chart.js";
import { Kpis } from "./kpis.js";
import { ZoneTemperature } from "./zone-temperature.js";

/** The limits a zone's temperature class sets (°C), drawn on its devices' charts. */
const CLASS_LIMITS = {
  chilled: [
    { label: "Max 8 °C", value: 8 },
    { label: "Min 2 °C", value: 2 },
  ],
  frozen: [{ label: "Max −18 °C", value: -18 }],
  ambient: [],
};

/** A site: zones with their devices' status and latest temperature, edges, KPIs and a temperature chart. */
export function SiteView({ me }) {
  const [sites, setSites] = useState(me.siteIds ?? []);
  const [siteId, setSiteId] = useState(me.siteIds?.[0] ?? "");
  const [site, setSite] = useState(undefined);
  const [chosen, setChosen] = useState(undefined);
  const [problem, setProblem] = useState(undefined);

  useEffect(() => {
    if (me.siteIds !== undefined) return;
    allPages("/v1/locations", {}, "locations", 3)
      .then((locations) => {
        const ids = [...new Set(locations.map((l) => l.siteId))].sort();
        setSites(ids);
        setSiteId((current) => (current === "" ? (ids[0] ?? "") : current));
      })
      .catch((error) => setProblem(error.message));
  }, []);

  useEffect(() => {
    if (siteId === "") return undefined;
    let gone = false;
    const load = () =>
      api(`/v1/sites/${encodeURIComponent(siteId)}/devices`)
        .then((body) => {
          if (gone) return;
          setSite(body);
          setProblem(undefined);
          setChosen((current) => current ?? firstThermometer(body));
        })
        .catch((error) => !gone && setProblem(error.message));
    load();
    const timer = setInterval(load, 10_000);
    return () => {
      gone = true;
      clearInterval(timer);
    };
  }, [siteId]);

  return html`
    <section class="view">
      <div class="view-head">
        <h2>Site</h2>
        <select value=${siteId} onChange=${(e) => {
          setSiteId(e.currentTarget.value);
          setSite(undefined);
          setChosen(undefined);
        }} name="site">
          ${sites.map((s) => html`<option value=${s}>${s}</option>`)}
        </select>
      </div>
      ${problem === undefined ? null : html`<p class="error" role="alert">${problem}</p>`}
      ${sites.length === 0 && problem === undefined ? html`<p class="muted">No site has a layout yet.</p>` : null}
      <${Kpis} />
      ${
        site === undefined
          ? null
          : html`
          <div class="grid-2">
            <div class="card">
              <div class="card-head"><h3>Temperature</h3>
                <span class="muted">${chosen === undefined ? "no readings yet" : `${chosen.deviceId} · ${chosen.location ?? ""}`}</span></div>
              ${chosen === undefined ? html`<p class="muted small">No device of this site sent temperatures.</p>` : html`<${DeviceChart} siteId=${siteId} device=${chosen} />`}
            </div>
            <div class="card">
              <div class="card-head"><h3>Edges</h3></div>
              <table class="list" data-testid="edges">
                <thead><tr><th>Edge</th><th>Status</th><th class="num">Backlog</th><th>Last contact</th></tr></thead>
                <tbody>
                  ${site.edges.map(
                    (
                      e,
                    ) => html`<tr><td class="strong">${e.edgeId}</td><td><span class=${`status st-${e.status}`}>${e.status.replace("-", " ")}</span></td>
                      <td class="num">${e.backlog === undefined ? "—" : number(e.backlog)}</td><td title=${e.lastSeenAt}>${ago(e.lastSeenAt)}</td></tr>`,
                  )}
                  ${site.edges.length === 0 ? html`<tr><td colspan="4" class="empty">No edge has sent to this cloud yet.</td></tr>` : null}
                </tbody>
              </table>
            </div>
          </div>
          <div class="zones">
            ${site.zones.map(
              (z) => html`<div class="card zone" data-zone=${z.zone}>
                <div class="card-head"><h3>${z.zone === "" ? "Not placed" : z.zone}</h3>
                  <span class="muted">${label(z.zoneKind ?? "")}${z.temperatureClass === undefined || z.temperatureClass === "ambient" ? "" : ` · ${z.temperatureClass}`}</span></div>
                ${
                  z.devices.length === 0
                    ? html`<p class="muted small">No devices reporting.</p>`
                    : html`<ul class="devices">
                      ${z.devices.map((d) => {
                        const temperature = d.readings.find((r) => r.metric === "temperature");
                        return html`<li class=${`clickable${chosen?.deviceId === d.deviceId ? " selected" : ""}`}
                          onClick=${() => temperature !== undefined && setChosen({ ...d, temperatureClass: z.temperatureClass })}>
                          <span class=${`dot dev-${d.status}`} title=${d.status}></span>
                          <span class="grow"><span class="strong">${d.deviceId}</span>
                            <span class="muted small"> ${d.location ?? ""}</span>
                            ${d.alerts.length === 0 ? null : html`<div class="small warn">${d.alerts.map((a) => label(a.kind)).join(", ")}</div>`}</span>
                          <span class="reading">${temperature === undefined ? "" : `${number(temperature.value, 1)} ${temperature.unit}`}
                            <div class="muted small">${d.lastReadingAt === undefined ? "" : ago(d.lastReadingAt)}</div></span>
                        </li>`;
                      })}
                    </ul>`
                }
              </div>`,
            )}
          </div>
          <div class="zone-charts">
            ${temperatureZones(site).map(
              (z) => html`<div class="card zone-temperature" data-testid=${`zone-temperature-${z.zone}`}>
                <div class="card-head"><h3>${z.zone} temperature</h3>
                  <span class="muted">1-minute means, min–max band, up to 6 h</span></div>
                <${ZoneTemperature} siteId=${siteId} zone=${z.zone} range=${z.temperatureRange}
                  stamp=${latestReading(z)} />
              </div>`,
            )}
          </div>`
      }
    </section>
  `;
}

/** Zones with a temperature to watch: a chilled or frozen class, or a sensor sending temperatures. */
function temperatureZones(site) {
  return site.zones.filter(
    (z) =>
      z.zone !== "" &&
      ((z.temperatureClass !== undefined && z.temperatureClass !== "ambient") ||
        z.devices.some((d) => d.readings.some((r) => r.metric === "temperature"))),
  );
}

/** The zone's newest reading time: its chart reloads when this moves. */
function latestReading(zone) {
  return zone.devices.reduce(
    (latest, d) => (d.lastReadingAt !== undefined && d.lastReadingAt > latest ? d.lastReadingAt : latest),
    "",
  );
}

function firstThermometer(site) {
  for (const zone of site.zones) {
    for (const device of zone.devices) {
      if (device.readings.some((r) => r.metric === "temperature"))
        return { ...device, temperatureClass: zone.temperatureClass };
    }
  }
  return undefined;
}

function DeviceChart({ siteId, device }) {
  const [series, setSeries] = useState(undefined);
  const [problem, setProblem] = useState(undefined);
  useEffect(() => {
    let gone = false;
    api(`/v1/sites/${encodeURIComponent(siteId)}/devices/${encodeURIComponent(device.deviceId)}/readings`)
      .then((body) => !gone && setSeries(body))
      .catch((error) => !gone && setProblem(error.message));
    return () => {
      gone = true;
    };
  }, [siteId, device.deviceId, device.lastReadingAt]);
  if (problem !== undefined) return html`<p class="error">${problem}</p>`;
  if (series === undefined) return html`<p class="muted small">Loading…</p>`;
  return html`<${Chart} points=${series.points} unit=${series.unit} limits=${CLASS_LIMITS[device.temperatureClass] ?? []} />`;
}
