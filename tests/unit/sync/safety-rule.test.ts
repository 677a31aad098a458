import { describe, expect, it } from "vitest";
import { safetyBlock, type Plan } from "@/lib/sync/plan";

const plan = (existing: number, updated: number, deleted: number): Plan => ({
  existing,
  created: 0,
  updated,
  deleted,
  unchanged: 0,
  notUpdated: 0,
});
const scheduled = (thresholdPct: number) => ({ trigger: "schedule", deleteMissing: true, thresholdPct });

describe("safety rule", () => {
  it("lets a change of exactly the threshold through: only more than it blocks", () => {
    expect(safetyBlock(plan(100, 0, 10), scheduled(10))).toBeNull();
    // (7 / 100) * 100 is 7.000000000000001 in floating point.
    expect(safetyBlock(plan(100, 0, 7), scheduled(7))).toBeNull();
    expect(safetyBlock(plan(200, 14, 0), scheduled(7))).toBeNull();
    expect(safetyBlock(plan(100, 4, 10), scheduled(14))).toBeNull();
    expect(safetyBlock(plan(1000, 0, 280), scheduled(28))).toBeNull();
    expect(safetyBlock(plan(10_000, 0, 1_410), scheduled(14.1))).toBeNull();
  });

  it("blocks one contact over the threshold, and says how much would change", () => {
    expect(safetyBlock(plan(100, 0, 8), scheduled(7))).toBe(
      "Not applied: this scheduled import would change 8 of 100 contacts (0 updated, 8 deleted — 8.0%), more than the " +
        "safety threshold of 7%. A staff member can approve this run from the imports list.",
    );
    expect(safetyBlock(plan(10_000, 0, 1_411), scheduled(14.1))).toMatch(/would change 1,411 of 10,000 contacts/);
    expect(safetyBlock(plan(3, 1, 0), scheduled(0))).toMatch(/more than the safety threshold of 0%/);
  });

  it("applies only to scheduled runs that delete missing contacts, and never to an empty manager", () => {
    expect(safetyBlock(plan(100, 0, 50), { trigger: "manual", deleteMissing: true, thresholdPct: 10 })).toBeNull();
    expect(safetyBlock(plan(100, 50, 0), { trigger: "schedule", deleteMissing: false, thresholdPct: 10 })).toBeNull();
    expect(safetyBlock(plan(0, 0, 0), scheduled(10))).toBeNull();
  });
});
