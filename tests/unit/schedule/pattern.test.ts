import { describe, expect, it } from "vitest";
import {
  patternFromSchedule,
  patternToRrule,
  rruleToPattern,
  scheduleFromPattern,
  type SchedulePattern,
} from "@/lib/schedule/pattern";
import { previewSchedule } from "@/lib/schedule/preview";

const none = { type: "none" } as const;
const cases: [string, SchedulePattern, string][] = [
  ["every 6 hours", { recurrence: { kind: "hourly", everyHours: 6 }, range: none }, "FREQ=HOURLY;INTERVAL=6"],
  ["every day", { recurrence: { kind: "daily", everyDays: 1 }, range: none }, "FREQ=DAILY"],
  [
    "every 3 days, 10 times",
    { recurrence: { kind: "daily", everyDays: 3 }, range: { type: "count", count: 10 } },
    "FREQ=DAILY;INTERVAL=3;COUNT=10",
  ],
  ["every weekday", { recurrence: { kind: "weekdays" }, range: none }, "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR"],
  [
    "every 2 weeks on Mon and Thu",
    { recurrence: { kind: "weekly", everyWeeks: 2, days: ["MO", "TH"] }, range: none },
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH",
  ],
  [
    "day 15 of every month",
    { recurrence: { kind: "monthly_day", everyMonths: 1, day: 15 }, range: none },
    "FREQ=MONTHLY;BYMONTHDAY=15",
  ],
  [
    "last day of every 3 months",
    { recurrence: { kind: "monthly_day", everyMonths: 3, day: -1 }, range: none },
    "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=-1",
  ],
  [
    "second Tuesday",
    { recurrence: { kind: "monthly_weekday", everyMonths: 1, ordinal: "second", weekday: "TU" }, range: none },
    "FREQ=MONTHLY;BYDAY=2TU",
  ],
  [
    "last Friday every 2 months",
    { recurrence: { kind: "monthly_weekday", everyMonths: 2, ordinal: "last", weekday: "FR" }, range: none },
    "FREQ=MONTHLY;INTERVAL=2;BYDAY=-1FR",
  ],
  [
    "last weekday",
    { recurrence: { kind: "monthly_weekday", everyMonths: 1, ordinal: "last", weekday: "weekday" }, range: none },
    "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
  ],
  [
    "first weekend day",
    { recurrence: { kind: "monthly_weekday", everyMonths: 1, ordinal: "first", weekday: "weekend_day" }, range: none },
    "FREQ=MONTHLY;BYDAY=SA,SU;BYSETPOS=1",
  ],
  [
    "every 29 February",
    { recurrence: { kind: "yearly_date", everyYears: 1, month: 2, day: 29 }, range: none },
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
  ],
  [
    "fourth Thursday of November",
    {
      recurrence: { kind: "yearly_weekday", everyYears: 1, ordinal: "fourth", weekday: "TH", month: 11 },
      range: { type: "count", count: 5 },
    },
    "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH;COUNT=5",
  ],
];

describe("pattern ↔ RRULE", () => {
  for (const [name, pattern, rrule] of cases) {
    it(`${name}: compiles to ${rrule} and reads back`, () => {
      expect(patternToRrule(pattern, "Europe/Berlin")).toBe(rrule);
      expect(rruleToPattern(rrule, "Europe/Berlin")).toEqual(pattern);
    });
  }

  it("an end date is the end of that local day, in UTC, and reads back in the zone", () => {
    const pattern: SchedulePattern = {
      recurrence: { kind: "daily", everyDays: 1 },
      range: { type: "until", date: "2026-12-31" },
    };
    expect(patternToRrule(pattern, "Europe/Berlin")).toBe("FREQ=DAILY;UNTIL=20261231T225959Z");
    expect(patternToRrule(pattern, "America/New_York")).toBe("FREQ=DAILY;UNTIL=20270101T045959Z");
    expect(rruleToPattern("FREQ=DAILY;UNTIL=20261231T225959Z", "Europe/Berlin")).toEqual(pattern);
    // The same UTC instant is 23:59:59 only in Berlin: in another zone the controls cannot say it.
    expect(rruleToPattern("FREQ=DAILY;UNTIL=20261231T225959Z", "Asia/Tokyo")).toBeNull();
    // The last run is on the end date itself.
    const times = previewSchedule({
      start: "2026-12-29T23:30",
      tz: "Europe/Berlin",
      rrule: patternToRrule(pattern, "Europe/Berlin"),
      count: 10,
    });
    expect(times).toEqual(["2026-12-29T22:30:00Z", "2026-12-30T22:30:00Z", "2026-12-31T22:30:00Z"]);
  });

  it("reads rules in any part order and case, and fills DTSTART defaults when the start is given", () => {
    expect(rruleToPattern("byday=th,mo;interval=2;freq=weekly", "UTC")).toEqual({
      recurrence: { kind: "weekly", everyWeeks: 2, days: ["MO", "TH"] },
      range: none,
    });
    expect(rruleToPattern("FREQ=WEEKLY", "UTC")).toBeNull();
    expect(rruleToPattern("FREQ=WEEKLY", "UTC", "2026-01-07T09:00")).toEqual({
      recurrence: { kind: "weekly", everyWeeks: 1, days: ["WE"] },
      range: none,
    });
    expect(rruleToPattern("FREQ=MONTHLY;COUNT=3", "UTC", "2026-01-31T09:00")).toEqual({
      recurrence: { kind: "monthly_day", everyMonths: 1, day: 31 },
      range: { type: "count", count: 3 },
    });
    expect(rruleToPattern("FREQ=YEARLY", "UTC", "2024-02-29T09:00")).toEqual({
      recurrence: { kind: "yearly_date", everyYears: 1, month: 2, day: 29 },
      range: none,
    });
  });

  it("returns null for rules richer than the controls", () => {
    for (const rule of [
      "FREQ=MINUTELY;INTERVAL=5",
      "FREQ=DAILY;BYHOUR=9,17",
      "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;WKST=SU",
      "FREQ=MONTHLY;BYMONTHDAY=1,15",
      "FREQ=MONTHLY;BYDAY=MO,-1FR",
      "FREQ=MONTHLY;BYDAY=MO,TU,WE;BYSETPOS=2",
      "FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=1",
      "FREQ=DAILY;INTERVAL=2;BYDAY=MO,TU,WE,TH,FR",
      "FREQ=DAILY;UNTIL=20261231",
      "FREQ=MONTHLY;BYMONTHDAY=-2",
    ]) {
      expect(rruleToPattern(rule, "UTC"), rule).toBeNull();
    }
  });

  it("refuses invalid patterns and rules with clear messages", () => {
    expect(() =>
      patternToRrule({ recurrence: { kind: "weekly", everyWeeks: 1, days: [] }, range: none }, "UTC"),
    ).toThrow(/at least one day/);
    expect(() => patternToRrule({ recurrence: { kind: "daily", everyDays: 0 }, range: none }, "UTC")).toThrow(
      /everyDays/,
    );
    expect(() =>
      patternToRrule({ recurrence: { kind: "yearly_date", everyYears: 1, month: 4, day: 31 }, range: none }, "UTC"),
    ).toThrow(/no day 31/);
    expect(() =>
      patternToRrule(
        { recurrence: { kind: "daily", everyDays: 1 }, range: { type: "until", date: "2026-02-30" } },
        "UTC",
      ),
    ).toThrow(/not a real date/);
    expect(() =>
      patternToRrule(
        { recurrence: { kind: "daily", everyDays: 1 }, range: { type: "until", date: "2026-02-20" } },
        "Nowhere/City",
      ),
    ).toThrow(/Unknown time zone/);
    expect(() => rruleToPattern("FREQ=SOMETIMES", "UTC")).toThrow(/FREQ must be one of/);
  });

  it("scheduleFromPattern / patternFromSchedule round-trip a stored schedule", () => {
    const pattern: SchedulePattern = {
      recurrence: { kind: "monthly_weekday", everyMonths: 1, ordinal: "first", weekday: "MO" },
      range: { type: "until", date: "2027-06-30" },
    };
    const schedule = scheduleFromPattern({ start: "2026-01-05T08:30", tz: "America/Sao_Paulo", pattern });
    expect(schedule).toEqual({
      start: "2026-01-05T08:30",
      tz: "America/Sao_Paulo",
      rrule: "FREQ=MONTHLY;BYDAY=1MO;UNTIL=20270701T025959Z",
    });
    expect(patternFromSchedule(schedule)).toEqual(pattern);
    expect(() => scheduleFromPattern({ start: "2026-01-05 08:30", tz: "UTC", pattern })).toThrow(/Start must be/);
  });
});
