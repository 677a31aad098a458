import { describe, expect, it } from "vitest";
import {
  guardBlockMessage,
  guardsInForce,
  guardViolations,
  limitText,
  parseLimit,
  withinShare,
  type GuardSettings,
} from "@/lib/sync/guards";

const settings = (extra: Partial<GuardSettings> = {}): GuardSettings => ({ thresholdPct: 10, ...extra });
const plan = (existing: number, updated: number, deleted: number) => ({ existing, updated, deleted });

describe("which guards are in force", () => {
  it("scheduled runs: the threshold when they delete missing contacts, and the limits", () => {
    const g = guardsInForce(settings({ maxDeleted: { count: 4 } }), { trigger: "schedule", deleteMissing: true });
    expect(g).toMatchObject({ thresholdPct: 10, maxDeleted: { count: 4 }, maxUpdated: null, scheduled: true });
    const noDelete = guardsInForce(settings({ maxUpdated: { pct: 5 } }), { trigger: "schedule", deleteMissing: false });
    expect(noDelete).toMatchObject({ thresholdPct: null, maxUpdated: { pct: 5 } });
    expect(guardsInForce(settings(), { trigger: "schedule", deleteMissing: false })).toBeNull();
  });

  it("Go, upload and CLI runs only with guard every run; approval runs never", () => {
    const limits = settings({ maxDeleted: { count: 1 } });
    for (const trigger of ["manual", "upload", "cli"])
      expect(guardsInForce(limits, { trigger, deleteMissing: true })).toBeNull();
    for (const trigger of ["manual", "upload", "cli"])
      expect(guardsInForce({ ...limits, everyRun: true }, { trigger, deleteMissing: true })).toMatchObject({
        thresholdPct: 10,
        maxDeleted: { count: 1 },
      });
    expect(guardsInForce({ ...limits, everyRun: true }, { trigger: "approval", deleteMissing: true })).toBeNull();
  });

  it("a guard given on the CLI applies to that CLI run without guard every run, and only that guard", () => {
    const s = settings({ thresholdPct: 20, maxDeleted: { count: 4 }, maxUpdated: { count: 9 } });
    expect(guardsInForce(s, { trigger: "cli", deleteMissing: true, given: { maxDeleted: true } })).toMatchObject({
      thresholdPct: null,
      maxDeleted: { count: 4 },
      maxUpdated: null,
    });
    expect(guardsInForce(s, { trigger: "cli", deleteMissing: true, given: { threshold: true } })).toMatchObject({
      thresholdPct: 20,
      maxDeleted: null,
    });
    // Given flags count on CLI runs only.
    expect(guardsInForce(s, { trigger: "manual", deleteMissing: true, given: { maxDeleted: true } })).toBeNull();
  });
});

describe("guard limits", () => {
  const deleteAtMost = (limit: { count?: number; pct?: number }, minContacts = 0) =>
    guardsInForce(settings({ maxDeleted: limit, minContacts }), { trigger: "schedule", deleteMissing: false })!;

  it("a count allows its own value and blocks one more", () => {
    expect(guardViolations(plan(100, 0, 4), deleteAtMost({ count: 4 }))).toEqual([]);
    expect(guardViolations(plan(100, 0, 5), deleteAtMost({ count: 4 }))).toEqual([
      "would delete 5 contacts, more than the limit of 4",
    ]);
    expect(guardViolations(plan(100, 0, 1), deleteAtMost({ count: 0 }))).toHaveLength(1);
  });

  it("a share compares exactly in whole contacts", () => {
    expect(guardViolations(plan(100, 0, 5), deleteAtMost({ pct: 5 }))).toEqual([]);
    expect(guardViolations(plan(100, 0, 6), deleteAtMost({ pct: 5 }))).toEqual([
      "would delete 6 of 100 contacts (6.0%), more than the limit of 5%",
    ]);
    // 5% of 30 is 1.5 contacts: 1 passes, 2 do not.
    expect(guardViolations(plan(30, 0, 1), deleteAtMost({ pct: 5 }))).toEqual([]);
    expect(guardViolations(plan(30, 0, 2), deleteAtMost({ pct: 5 }))).toHaveLength(1);
    expect(guardViolations(plan(200, 0, 14), deleteAtMost({ pct: 7 }))).toEqual([]);
    expect(guardViolations(plan(10_000, 0, 1_410), deleteAtMost({ pct: 14.1 }))).toEqual([]);
    expect(guardViolations(plan(10_000, 0, 1_411), deleteAtMost({ pct: 14.1 }))).toHaveLength(1);
  });

  it("share and count together: both hold", () => {
    const both = deleteAtMost({ pct: 50, count: 3 });
    expect(guardViolations(plan(10, 0, 3), both)).toEqual([]);
    expect(guardViolations(plan(10, 0, 4), both)).toHaveLength(1);
    expect(guardViolations(plan(4, 0, 3), both)).toHaveLength(1); // 75% of 4
  });

  it("min contacts: shares apply from that many live contacts on (the value included); counts always", () => {
    expect(guardViolations(plan(99, 0, 50), deleteAtMost({ pct: 10 }, 100))).toEqual([]);
    expect(guardViolations(plan(100, 0, 50), deleteAtMost({ pct: 10 }, 100))).toHaveLength(1);
    expect(guardViolations(plan(99, 0, 50), deleteAtMost({ count: 10 }, 100))).toHaveLength(1);
    const threshold = guardsInForce(settings({ minContacts: 100 }), { trigger: "schedule", deleteMissing: true })!;
    expect(guardViolations(plan(99, 0, 50), threshold)).toEqual([]);
    expect(guardViolations(plan(100, 0, 50), threshold)).toHaveLength(1);
  });

  it("max updated counts updates only; the threshold counts both", () => {
    const g = guardsInForce(settings({ maxUpdated: { count: 2 } }), { trigger: "schedule", deleteMissing: true })!;
    expect(guardViolations(plan(100, 2, 8), g)).toEqual([]);
    expect(guardViolations(plan(100, 3, 0), g)).toEqual(["would update 3 contacts, more than the limit of 2"]);
    expect(guardViolations(plan(100, 3, 8), g)).toEqual([
      "would update 3 contacts, more than the limit of 2",
      "would change 11 of 100 contacts (3 updated, 8 deleted — 11.0%), more than the safety threshold of 10%",
    ]);
  });

  it("says every broken guard in the run's message", () => {
    expect(guardBlockMessage(["would delete 5 contacts, more than the limit of 4"], false)).toBe(
      "Not applied: this import would delete 5 contacts, more than the limit of 4. A staff member can approve this run from the imports list.",
    );
    expect(guardBlockMessage(["a", "b"], true)).toBe(
      "Not applied: this scheduled import a; and it b. A staff member can approve this run from the imports list.",
    );
  });
});

describe("limits as written", () => {
  it("parses counts and shares", () => {
    expect(parseLimit("500")).toEqual({ count: 500 });
    expect(parseLimit(" 5% ")).toEqual({ pct: 5 });
    expect(parseLimit("2.5%")).toEqual({ pct: 2.5 });
    expect(parseLimit("0")).toEqual({ count: 0 });
    for (const bad of ["", "-1", "5.5", "101%", "1.234%", "abc", "5 %x"]) expect(parseLimit(bad)).toBeNull();
    expect(limitText({ pct: 5, count: 500 })).toBe("5% and 500");
    expect(withinShare(7, 100, 7)).toBe(true);
  });
});
