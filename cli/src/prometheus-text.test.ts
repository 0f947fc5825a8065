import { describe, expect, it } from "vitest";
import { parsePrometheus } from "./prometheus-text.js";

describe("parsePrometheus", () => {
  it("reads each metric's value, summing labelled series, skipping comments and junk", () => {
    const text = [
      "# HELP tally_edge_outbox_depth Events waiting in the outbox",
      "# TYPE tally_edge_outbox_depth gauge",
      "tally_edge_outbox_depth 12",
      'tally_edge_dead_letters_total{code="TALLY_ERR_MSG_NOT_JSON"} 2',
      'tally_edge_dead_letters_total{code="TALLY_ERR_TOPIC_UNKNOWN"} 3',
      "tally_edge_observations_total 4.5e3",
      "not a metric line at all {",
      "tally_edge_broken NaN",
      "",
    ].join("\n");
    const values = parsePrometheus(text);
    expect(values.get("tally_edge_outbox_depth")).toBe(12);
    expect(values.get("tally_edge_dead_letters_total")).toBe(5);
    expect(values.get("tally_edge_observations_total")).toBe(4500);
    expect(values.has("tally_edge_broken")).toBe(false);
    expect(values.size).toBe(3);
  });
});
