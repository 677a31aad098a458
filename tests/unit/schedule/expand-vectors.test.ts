import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { listOccurrences, nextOccurrences } from "@/lib/schedule/expand";

type Vector = { name: string; start: string; tz: string; rrule: string; limit: number; expected: string[] };
const file = path.resolve(__dirname, "../../fixtures/rrule/vectors.json");
const { vectors } = JSON.parse(readFileSync(file, "utf8")) as { vectors: Vector[] };

const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");

describe("expansion matches python-dateutil (tests/fixtures/rrule/vectors.json)", () => {
  it("has vectors", () => {
    expect(vectors.length).toBeGreaterThan(50);
  });
  for (const v of vectors) {
    it(`${v.name} — ${v.tz} ${v.start} ${v.rrule}`, () => {
      const got = listOccurrences({ start: v.start, tz: v.tz, rrule: v.rrule }, v.limit).map(iso);
      expect(got).toEqual(v.expected);
    });
  }
});

describe("nextOccurrences agrees with the vectors (sorted, one per instant, strictly after)", () => {
  for (const v of vectors.filter((x) => x.expected.length >= 4)) {
    it(v.name, () => {
      const all = [...new Set(v.expected)].sort();
      // Start from just after the second raw occurrence, as the scheduler does after a run.
      const after = new Date(v.expected[1]);
      const want = all.filter((s) => s > v.expected[1]).slice(0, 2);
      const got = nextOccurrences({ start: v.start, tz: v.tz, rrule: v.rrule }, after, 2).map((d) => iso(d.getTime()));
      expect(got).toEqual(want);
    });
  }
});
