import { describe, expect, it } from "vitest";
import { parseSafetyForm, safetyDefaults } from "@/lib/wizard/safety-form";

const form = (values: Record<string, string>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(values)) f.set(k, v);
  return f;
};

describe("the wizard's Safety section", () => {
  it("reads shares, counts, min contacts and guard every run; empty boxes are off", () => {
    expect(
      parseSafetyForm(
        form({
          safetySection: "1",
          maxDeletedPct: "5",
          maxDeletedCount: "500",
          maxUpdatedPct: "12.5%",
          maxUpdatedCount: "",
          minContacts: "100",
          guardEveryRun: "on",
          safetyThresholdPct: "20",
        }),
        true,
      ),
    ).toEqual({
      ok: true,
      guards: { maxDeleted: { pct: 5, count: 500 }, maxUpdated: { pct: 12.5 }, minContacts: 100, everyRun: true },
      thresholdPct: 20,
    });
    expect(parseSafetyForm(form({ safetySection: "1" }), false)).toEqual({ ok: true, guards: {} });
    expect(parseSafetyForm(form({}), true)).toBeNull();
  });

  it("refuses values that are not numbers in range, field by field", () => {
    const r = parseSafetyForm(
      form({ safetySection: "1", maxDeletedPct: "150", maxUpdatedCount: "-2", safetyThresholdPct: "" }),
      true,
    );
    expect(r).toMatchObject({
      ok: false,
      errors: {
        maxDeletedPct: expect.any(String),
        maxUpdatedCount: expect.any(String),
        safetyThresholdPct: expect.any(String),
      },
    });
  });

  it("shows the stored guards back", () => {
    expect(safetyDefaults({ guards: { maxDeleted: { count: 4 }, everyRun: true }, safetyThresholdPct: 10 })).toEqual({
      maxDeletedPct: "",
      maxDeletedCount: "4",
      maxUpdatedPct: "",
      maxUpdatedCount: "",
      minContacts: "",
      guardEveryRun: true,
      safetyThresholdPct: "10",
    });
  });
});
