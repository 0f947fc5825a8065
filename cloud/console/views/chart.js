import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import { html } from "../lib/html.js";

/** A uPlot line chart of one series (`points`: { at, value }), with optional limit lines. */
export function Chart({ points, unit, limits = [], height = 220 }) {
  const box = useRef(null);
  useEffect(() => {
    const element = box.current;
    if (element === null) return undefined;
    const xs = points.map((p) => Date.parse(p.at) / 1000);
    const data = [xs, points.map((p) => p.value), ...limits.map((l) => xs.map(() => l.value))];
    const options = {
      width: Math.max(element.clientWidth, 300),
      height,
      legend: { show: true },
      scales: {
        // uPlot widens a single reading's time axis to 86,400,000 s (years): show ten minutes around it instead.
        x: { time: true, range: (_u, min, max) => (xs.length === 1 ? [xs[0] - 300, xs[0] + 300] : [min, max]) },
      },
      axes: [
        { stroke: "#5b6472", grid: { stroke: "#eef0f3" } },
        { stroke: "#5b6472", grid: { stroke: "#eef0f3" }, label: unit },
      ],
      series: [
        {},
        { label: `Value (${unit})`, stroke: "#2563eb", width: 2, fill: "rgba(37, 99, 235, 0.08)" },
        ...limits.map((l) => ({ label: l.label, stroke: "#dc2626", dash: [6, 4], width: 1, points: { show: false } })),
      ],
    };
    const plot = new uPlot(options, data, element);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(element.clientWidth, 300), height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [points, unit, limits, height]);
  return html`<div class="chart" ref=${box}></div>`;
}
