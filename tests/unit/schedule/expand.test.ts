import { describe, expect, it } from "vitest";
import { computeNextRunAt } from "@/lib/schedule/next-run";
import { compileSchedule, listOccurrences, nextOccurrenceAfter, nextOccurrences } from "@/lib/schedule/expand";
import { formatRrule, parseRrule } from "@/lib/schedule/rrule";
import { isValidTimeZone, localToUtc, offsetAt } from "@/lib/schedule/timezone";

const iso = (d: Date | number) => new Date(d).toISOString().replace(".000Z", "Z");
const local = (s: string) => Date.parse(s + ":00Z");

describe("time zones with Intl", () => {
  it("knows IANA zones and refuses the rest", () => {
    for (const tz of ["UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Asia/Kathmandu", "Etc/GMT+5"])
      expect(isValidTimeZone(tz), tz).toBe(true);
    for (const tz of ["", "Mars/Olympus", "+05:00", "Europe/Berlin ", "../etc/passwd", "europe/berlin", "utc"])
      expect(isValidTimeZone(tz), tz).toBe(false);
    expect(() => compileSchedule({ start: "2026-01-01T09:00", tz: "europe/berlin", rrule: "FREQ=DAILY" })).toThrow(
      /Did you mean Europe\/Berlin\?/,
    );
    // Aliases IANA keeps are fine.
    for (const tz of ["Asia/Calcutta", "US/Eastern", "Etc/UTC"]) expect(isValidTimeZone(tz), tz).toBe(true);
  });

  it("gap: a nonexistent local time takes the offset before the gap", () => {
    expect(iso(localToUtc("America/New_York", local("2026-03-08T02:30")))).toBe("2026-03-08T07:30:00Z"); // 03:30 EDT
    expect(iso(localToUtc("Australia/Lord_Howe", local("2026-10-04T02:15")))).toBe("2026-10-03T15:45:00Z"); // 02:45 +11
    expect(iso(localToUtc("Pacific/Chatham", local("2026-09-27T03:00")))).toBe("2026-09-26T14:15:00Z"); // 04:00 +13:45
  });

  it("fold: an ambiguous local time is its first occurrence", () => {
    expect(iso(localToUtc("America/New_York", local("2026-11-01T01:30")))).toBe("2026-11-01T05:30:00Z"); // EDT
    expect(iso(localToUtc("Europe/Berlin", local("2026-10-25T02:30")))).toBe("2026-10-25T00:30:00Z"); // CEST
    expect(offsetAt("Asia/Kathmandu", Date.parse("2026-06-01T00:00:00Z"))).toBe((5 * 60 + 45) * 60_000);
  });
});

describe("RRULE parsing", () => {
  it("parses and formats canonically", () => {
    expect(formatRrule(parseRrule("RRULE:freq=monthly;byday=-1fr,2mo;interval=2;wkst=su"))).toBe(
      "FREQ=MONTHLY;INTERVAL=2;BYDAY=2MO,-1FR;WKST=SU",
    );
    expect(formatRrule(parseRrule("FREQ=DAILY;UNTIL=20261231T235959Z"))).toBe("FREQ=DAILY;UNTIL=20261231T235959Z");
    expect(formatRrule(parseRrule("FREQ=DAILY;UNTIL=20261231"))).toBe("FREQ=DAILY;UNTIL=20261231");
  });

  it("refuses what it cannot expand, with the reason", () => {
    const bad: [string, RegExp][] = [
      ["", /empty/],
      ["INTERVAL=2", /FREQ is required/],
      ["FREQ=SECONDLY", /SECONDLY is not supported/],
      ["FREQ=DAILY;INTERVAL=0", /INTERVAL must be a whole number/],
      ["FREQ=DAILY;COUNT=3;UNTIL=20260101T000000Z", /COUNT and UNTIL/],
      ["FREQ=DAILY;UNTIL=20260230T000000Z", /not a real date/],
      ["FREQ=DAILY;UNTIL=tomorrow", /UNTIL must look like/],
      ["FREQ=WEEKLY;BYDAY=2MO", /need FREQ=MONTHLY or FREQ=YEARLY/],
      ["FREQ=MONTHLY;BYDAY=6MO", /1\.\.5/],
      ["FREQ=MONTHLY;BYMONTHDAY=0", /out of range/],
      ["FREQ=MONTHLY;BYMONTHDAY=32", /out of range/],
      ["FREQ=YEARLY;BYMONTH=13", /out of range/],
      ["FREQ=YEARLY;BYWEEKNO=20", /BYWEEKNO is not supported/],
      ["FREQ=DAILY;FOO=1", /unknown part "FOO"/],
      ["FREQ=DAILY;FREQ=WEEKLY", /appears twice/],
      ["FREQ=DAILY;BYSETPOS=1", /BYSETPOS needs/],
      ["FREQ=DAILY\nDTSTART:20260101T000000", /one line/],
    ];
    for (const [rule, message] of bad) expect(() => parseRrule(rule), JSON.stringify(rule)).toThrow(message);
  });

  it("a schedule needs a real start and zone", () => {
    expect(() => compileSchedule({ start: "2026-02-30T09:00", tz: "UTC", rrule: "FREQ=DAILY" })).toThrow(
      /not a real date/,
    );
    expect(() => compileSchedule({ start: "2026-02-01 09:00", tz: "UTC", rrule: "FREQ=DAILY" })).toThrow(
      /Start must be/,
    );
    expect(() => compileSchedule({ start: "2026-02-01T09:00", tz: "Europe/Nowhere", rrule: "FREQ=DAILY" })).toThrow(
      /Unknown time zone/,
    );
    expect(() =>
      compileSchedule({ start: "2026-02-01T02:30", tz: "UTC", rrule: "FREQ=HOURLY;INTERVAL=2;BYHOUR=1,3" }),
    ).toThrow(/no BYHOUR value is ever reached/);
  });
});

describe("next occurrences", () => {
  const hourlyNy = { start: "2026-03-07T22:00", tz: "America/New_York", rrule: "FREQ=HOURLY" };

  it("one run per instant: the gap hour and the hour after share an instant, listed once", () => {
    expect(
      listOccurrences(hourlyNy, 10)
        .map(iso)
        .filter((t) => t === "2026-03-08T07:00:00Z"),
    ).toHaveLength(2);
    const next = nextOccurrences(hourlyNy, new Date("2026-03-08T05:30:00Z"), 4).map(iso);
    expect(next).toEqual([
      "2026-03-08T06:00:00Z",
      "2026-03-08T07:00:00Z",
      "2026-03-08T08:00:00Z",
      "2026-03-08T09:00:00Z",
    ]);
  });

  it("minute rules that go back in UTC across a gap still come out sorted", () => {
    const s = { start: "2026-10-04T01:40", tz: "Australia/Lord_Howe", rrule: "FREQ=MINUTELY;INTERVAL=10" };
    const next = nextOccurrences(s, new Date("2026-10-03T15:05:00Z"), 6).map(iso);
    expect(next).toEqual([
      "2026-10-03T15:10:00Z",
      "2026-10-03T15:20:00Z",
      "2026-10-03T15:30:00Z",
      "2026-10-03T15:40:00Z",
      "2026-10-03T15:50:00Z",
      "2026-10-03T16:00:00Z",
    ]);
  });

  it("is strictly after the reference and null when the range has ended", () => {
    const s = { start: "2026-01-01T09:00", tz: "Europe/London", rrule: "FREQ=DAILY;COUNT=3" };
    expect(iso(nextOccurrenceAfter(s, new Date("2026-01-01T09:00:00Z"))!)).toBe("2026-01-02T09:00:00Z");
    expect(iso(nextOccurrenceAfter(s, new Date("2025-06-01T00:00:00Z"))!)).toBe("2026-01-01T09:00:00Z");
    expect(nextOccurrenceAfter(s, new Date("2026-01-03T09:00:00Z"))).toBeNull();
    expect(computeNextRunAt(s, new Date("2026-01-03T09:00:00Z"))).toBeNull();
    expect(computeNextRunAt(null)).toBeNull();
  });

  it("finds far-future occurrences of long-running rules quickly", () => {
    const s = { start: "2020-01-01T00:05", tz: "Europe/Berlin", rrule: "FREQ=HOURLY" };
    const t0 = performance.now();
    expect(iso(nextOccurrenceAfter(s, new Date("2026-07-01T10:30:00Z"))!)).toBe("2026-07-01T11:05:00Z");
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it("a rule that never occurs ends instead of looping", () => {
    const t0 = performance.now();
    for (const rrule of [
      "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
      "FREQ=MINUTELY;BYMONTH=4,6;BYMONTHDAY=31",
      "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=-30",
      "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29",
    ]) {
      expect(
        nextOccurrenceAfter({ start: "2025-01-01T09:00", tz: "UTC", rrule }, new Date("2025-01-01T00:00:00Z")),
        rrule,
      ).toBeNull();
    }
    expect(performance.now() - t0).toBeLessThan(3000);
  });

  it("BYDAY mixing plain and numbered weekdays is the union (RFC 5545)", () => {
    const s = { start: "2026-01-01T09:00", tz: "UTC", rrule: "FREQ=MONTHLY;BYDAY=MO,-1FR;COUNT=6" };
    expect(listOccurrences(s, 10).map(iso)).toEqual([
      "2026-01-05T09:00:00Z",
      "2026-01-12T09:00:00Z",
      "2026-01-19T09:00:00Z",
      "2026-01-26T09:00:00Z",
      "2026-01-30T09:00:00Z",
      "2026-02-02T09:00:00Z",
    ]);
  });
});

describe("skipping ahead (rules without COUNT) gives the same occurrences as expanding from DTSTART", () => {
  const rules = [
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
    "FREQ=YEARLY;INTERVAL=3;BYMONTH=11;BYDAY=4TH",
    "FREQ=MONTHLY;INTERVAL=5;BYMONTHDAY=31",
    "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
    "FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,SU;WKST=SU",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SA",
    "FREQ=DAILY;INTERVAL=9",
    "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR",
    "FREQ=HOURLY;INTERVAL=7",
    "FREQ=HOURLY;INTERVAL=5;BYDAY=SA,SU",
    "FREQ=HOURLY;INTERVAL=2;BYHOUR=0,4,10,14",
    "FREQ=MINUTELY;INTERVAL=97",
    "FREQ=MINUTELY;INTERVAL=13;BYHOUR=2,3;BYDAY=SU",
  ];
  const zones = ["America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu"];
  for (const rrule of rules) {
    it(rrule, () => {
      for (const tz of zones) {
        const s = { start: "2023-01-07T02:30", tz, rrule };
        const all = [...new Set(listOccurrences(s, 600))].sort((a, b) => a - b);
        for (const i of [60, 250, 420]) {
          const after = new Date(all[i] + 1);
          const want = all
            .filter((t) => t > all[i])
            .slice(0, 5)
            .map(iso);
          expect(nextOccurrences(s, after, 5).map(iso), `${tz} after #${i}`).toEqual(want);
        }
      }
    });
  }
});
