import { describe, expect, it } from "vitest";
import { binNodes, browseNameFor } from "./browse-bin-names.js";

const bins = [
  { location: "DEMO/PICK/A1", sku: "WIDGET" },
  { location: "DEMO/PICK/A2", sku: "GADGET" },
  { location: "DEMO/PICK/A3", sku: "GADGET", nodeId: "ns=2;i=7" },
];

describe("browseNameFor", () => {
  it("fills in the bin's last segment or its whole location", () => {
    expect(browseNameFor("W-{bin}", "DEMO/PICK/A1")).toBe("W-A1");
    expect(browseNameFor("{location}/weight", "DEMO/PICK/A1")).toBe("DEMO/PICK/A1/weight");
  });

  it("treats regular-expression characters in the pattern as text", () => {
    expect(browseNameFor("(a+)+$[{bin}]", "S/Z/B1")).toBe("(a+)+$[B1]");
  });
});

describe("binNodes", () => {
  const browse = { folderNodeId: "ns=1;s=shelf", binPattern: "W-{bin}" };

  it("pairs bins with browsed variables by name, keeps a bin's own node id, and ignores other variables", () => {
    const result = binNodes(bins, browse, [
      { browseName: "W-A1", nodeId: "ns=1;i=1" },
      { browseName: "W-A2", nodeId: "ns=1;i=2" },
      { browseName: "W-A3", nodeId: "ns=1;i=3" },
      { browseName: "Temperature", nodeId: "ns=1;i=9" },
    ]);
    expect(result).toEqual({
      nodes: [
        { location: "DEMO/PICK/A1", nodeId: "ns=1;i=1" },
        { location: "DEMO/PICK/A2", nodeId: "ns=1;i=2" },
        { location: "DEMO/PICK/A3", nodeId: "ns=2;i=7" },
      ],
      missing: [],
    });
  });

  it("reports bins the folder lacks, and bins whose browse name is taken twice, as missing", () => {
    const result = binNodes(bins, browse, [
      { browseName: "W-A1", nodeId: "ns=1;i=1" },
      { browseName: "W-A1", nodeId: "ns=1;i=11" },
    ]);
    expect(result.missing).toEqual(["DEMO/PICK/A1", "DEMO/PICK/A2"]);
    expect(result.nodes).toEqual([{ location: "DEMO/PICK/A3", nodeId: "ns=2;i=7" }]);
  });

  it("without a browse folder, a bin without a node id is missing", () => {
    expect(binNodes(bins, undefined, []).missing).toEqual(["DEMO/PICK/A1", "DEMO/PICK/A2"]);
  });

  it("handles a hostile folder of 100,000 look-alike names in linear time", () => {
    const browsed = Array.from({ length: 100_000 }, (_, i) => ({ browseName: `W-A${i}x`, nodeId: `ns=1;i=${i}` }));
    const result = binNodes(bins, browse, browsed);
    expect(result.missing).toEqual(["DEMO/PICK/A1", "DEMO/PICK/A2"]);
  });
});
