import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { previewSchedule, previewScheduleLocal } from "@/lib/schedule/preview";

describe("previewSchedule", () => {
  it("lists from DTSTART exactly as dateutil does, or the next run times after a given instant", () => {
    const s = { start: "2026-10-31T23:30", tz: "America/New_York", rrule: "FREQ=HOURLY" };
    expect(previewSchedule({ ...s, count: 4 })).toEqual([
      "2026-11-01T03:30:00Z",
      "2026-11-01T04:30:00Z",
      "2026-11-01T05:30:00Z",
      "2026-11-01T07:30:00Z",
    ]);
    expect(previewSchedule({ ...s, count: 2, after: new Date("2026-11-01T05:30:00Z") })).toEqual([
      "2026-11-01T07:30:00Z",
      "2026-11-01T08:30:00Z",
    ]);
  });

  it("shows wall-clock times and offsets in the schedule's zone (the wizard's next 5 run times)", () => {
    const times = previewScheduleLocal({
      start: "2026-03-06T02:30",
      tz: "America/New_York",
      rrule: "FREQ=DAILY",
      count: 4,
    });
    expect(times).toEqual([
      { utc: "2026-03-06T07:30:00Z", local: "2026-03-06T02:30", offset: "-05:00" },
      { utc: "2026-03-07T07:30:00Z", local: "2026-03-07T02:30", offset: "-05:00" },
      { utc: "2026-03-08T07:30:00Z", local: "2026-03-08T03:30", offset: "-04:00" },
      { utc: "2026-03-09T06:30:00Z", local: "2026-03-09T02:30", offset: "-04:00" },
    ]);
    expect(
      previewScheduleLocal({ start: "2026-01-01T00:00", tz: "Asia/Kathmandu", rrule: "FREQ=DAILY", count: 1 })[0]
        .offset,
    ).toBe("+05:45");
  });

  it("refuses a bad count", () => {
    for (const count of [0, -1, 1.5, 1001])
      expect(() => previewSchedule({ start: "2026-01-01T00:00", tz: "UTC", rrule: "FREQ=DAILY", count })).toThrow(
        /Count must be/,
      );
  });
});

const python = "/usr/bin/python3";
const hasDateutil = spawnSync(python, ["-c", "import dateutil"]).status === 0;
describe.skipIf(!hasDateutil)("reference vectors", () => {
  it("vectors.json is what generate.py produces with this machine's dateutil", () => {
    const dir = path.resolve(__dirname, "../../fixtures/rrule");
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), "rrule-")), "vectors.json");
    const r = spawnSync(python, [path.join(dir, "generate.py"), out], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const fresh = JSON.parse(readFileSync(out, "utf8"));
    const committed = JSON.parse(readFileSync(path.join(dir, "vectors.json"), "utf8"));
    expect(fresh.vectors).toEqual(committed.vectors);
  });
});
