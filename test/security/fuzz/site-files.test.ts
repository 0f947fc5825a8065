import { indexSite } from "@tally/edge";
import { ErrorCode, parseScenarioFileText, parseSiteLayoutText, SiteLayout } from "@tally/protocols";
import { loadSiteLayout } from "@tally/simulators";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FUZZ_SITE } from "./arbitraries/fuzz-site.js";
import { hostileValue } from "./arbitraries/hostile-json.js";
import { mutateValue, valueMutation } from "./arbitraries/mutations.js";
import {
  hostileScenarioText,
  hostileSiteText,
  nestingAttack,
  SCENARIO_TEXTS,
  SITE_VALUE,
  validSiteText,
} from "./arbitraries/site-files.js";
import { fuzz, withinBudget } from "./support/fuzz-runs.js";
import { expectPrototypesUntouched } from "./support/prototypes.js";
import { expectResult } from "./support/refusals.js";

const SUITE = "site-files";

describe("fuzz: site layout files", () => {
  it("reads the valid site file back as the same layout", () => {
    fuzz(
      SUITE,
      fc.property(validSiteText, (text) => {
        expect(parseSiteLayoutText(text)).toEqual({ ok: true, value: FUZZ_SITE });
      }),
      200,
    );
  });

  it("parseSiteLayoutText refuses hostile files with TALLY_ERR_SITE_LAYOUT_INVALID and a reason", () => {
    fuzz(
      SUITE,
      fc.property(hostileSiteText, (text) => {
        const result = withinBudget("parseSiteLayoutText", () => parseSiteLayoutText(text));
        expectResult("site file", result);
        if (!result.ok) expect(result.error.code).toBe(ErrorCode.SiteLayoutInvalid);
        else expect(() => indexSite(result.value)).not.toThrow();
        expectPrototypesUntouched();
      }),
      1_400,
    );
  });

  it("refuses deeply nested files one after another (a process reads many)", () => {
    fuzz(
      SUITE,
      fc.property(fc.array(nestingAttack, { minLength: 2, maxLength: 4 }), (texts) => {
        for (const text of texts) {
          const result = withinBudget("parseSiteLayoutText", () => parseSiteLayoutText(text));
          expect(result).toMatchObject({ ok: false, error: { code: ErrorCode.SiteLayoutInvalid } });
        }
      }),
      100,
    );
  });

  it("the simulators' reader refuses hostile files only with its coded SimulatorError", () => {
    fuzz(
      SUITE,
      fc.property(hostileSiteText, (text) => {
        try {
          withinBudget("loadSiteLayout", () => loadSiteLayout(text));
        } catch (error) {
          // Its documented contract: a SimulatorError with the site layout code, whose message says why.
          expect(error).toMatchObject({ name: "SimulatorError", code: ErrorCode.SiteLayoutInvalid });
          expect((error as Error).message).not.toBe("");
        }
      }),
      800,
    );
  });

  it("the SiteLayout schema judges any value, mutated layouts included, without throwing", () => {
    fuzz(
      SUITE,
      fc.property(
        fc.oneof(
          hostileValue,
          fc.array(valueMutation, { minLength: 1, maxLength: 4 }).map((m) => mutateValue(SITE_VALUE, m)),
        ),
        (value) => {
          const parsed = withinBudget("SiteLayout.safeParse", () => SiteLayout.safeParse(value));
          if (parsed.success) expect(() => indexSite(parsed.data)).not.toThrow();
          expectPrototypesUntouched();
        },
      ),
      1_500,
    );
  });

  it("parseScenarioFileText refuses hostile scenario files with TALLY_ERR_SCENARIO_INVALID and a reason", () => {
    // The texts the mutations start from are valid.
    for (const text of SCENARIO_TEXTS) expect(parseScenarioFileText(text).ok).toBe(true);
    fuzz(
      SUITE,
      fc.property(hostileScenarioText, (text) => {
        const result = withinBudget("parseScenarioFileText", () => parseScenarioFileText(text));
        expectResult("scenario file", result);
        if (!result.ok) expect(result.error.code).toBe(ErrorCode.ScenarioInvalid);
        expectPrototypesUntouched();
      }),
      1_000,
    );
  });
});
