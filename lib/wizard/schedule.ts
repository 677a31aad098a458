import type { Schedule, Sync } from "@/db/schema";
import { computeNextRunAt } from "@/lib/schedule/next-run";
import { patternFromSchedule, scheduleFromPattern, type Ordinal, type SchedulePattern } from "@/lib/schedule/pattern";
import { previewScheduleLocal, type PreviewTime } from "@/lib/schedule/preview";
import type { ScheduleStepInput, ScheduleStepValues } from "@/lib/wizard/schemas";

/** The schedule step's controls ↔ the scheduling module's SchedulePattern and stored Schedule. */

const ordinals: Record<ScheduleStepValues["nth"], Ordinal> = {
  "1": "first",
  "2": "second",
  "3": "third",
  "4": "fourth",
  "-1": "last",
};
const ordinalNumbers: Record<Ordinal, ScheduleStepValues["nth"]> = {
  first: "1",
  second: "2",
  third: "3",
  fourth: "4",
  last: "-1",
};

export function patternOf(v: ScheduleStepValues): SchedulePattern {
  const n = v.interval;
  let recurrence: SchedulePattern["recurrence"];
  switch (v.freq) {
    case "hourly":
      recurrence = { kind: "hourly", everyHours: n };
      break;
    case "daily":
      recurrence = v.dailyMode === "weekdays" ? { kind: "weekdays" } : { kind: "daily", everyDays: n };
      break;
    case "weekly":
      recurrence = { kind: "weekly", everyWeeks: n, days: v.byDay };
      break;
    case "monthly":
      recurrence =
        v.monthlyMode === "day"
          ? { kind: "monthly_day", everyMonths: n, day: v.monthDay ?? 1 }
          : { kind: "monthly_weekday", everyMonths: n, ordinal: ordinals[v.nth], weekday: v.nthWeekday };
      break;
    case "yearly":
      recurrence =
        v.monthlyMode === "day"
          ? { kind: "yearly_date", everyYears: n, month: v.month ?? 1, day: v.monthDay ?? 1 }
          : {
              kind: "yearly_weekday",
              everyYears: n,
              ordinal: ordinals[v.nth],
              weekday: v.nthWeekday,
              month: v.month ?? 1,
            };
      break;
  }
  const range: SchedulePattern["range"] =
    v.rangeKind === "count"
      ? { type: "count", count: v.count ?? 1 }
      : v.rangeKind === "until"
        ? { type: "until", date: v.untilDate }
        : { type: "none" };
  return { recurrence, range };
}

/** AppError (shown to staff) when the combination is not a valid schedule. */
export function scheduleFromForm(v: ScheduleStepValues): Schedule {
  return scheduleFromPattern({ start: `${v.startDate}T${v.startTime}`, tz: v.tz, pattern: patternOf(v) });
}

/** The next `count` run times from now, with their wall-clock time in the schedule's zone. */
export function scheduleRunTimes(schedule: Schedule, count: number, after = new Date()): string[] {
  return previewScheduleLocal({ ...schedule, count, after }).map(formatRunTime);
}

function formatRunTime(t: PreviewTime): string {
  const [date, time] = t.local.split("T");
  const weekday = new Date(`${date}T00:00:00Z`).toLocaleDateString("en-GB", { weekday: "short", timeZone: "UTC" });
  return `${weekday} ${date} ${time} (UTC${t.offset})`;
}

/** The scheduler's own rule for next_run_at (first occurrence after `from`; null once the range has ended). */
export function nextRunFor(schedule: Schedule, from: Date): Date | null {
  return computeNextRunAt(schedule, from);
}

/** The form's starting values: the stored schedule when the controls can express it, else sensible defaults. */
export function scheduleFormDefaults(sync: Sync, now = new Date(), browserTz = "UTC"): ScheduleStepInput {
  const tomorrow = new Date(now.getTime() + 86_400_000).toISOString().slice(0, 10);
  const base: ScheduleStepInput = {
    startDate: tomorrow,
    startTime: "06:00",
    tz: browserTz,
    freq: "daily",
    interval: "1",
    dailyMode: "every",
    byDay: ["MO"],
    monthlyMode: "day",
    monthDay: "1",
    nth: "1",
    nthWeekday: "MO",
    month: "1",
    rangeKind: "none",
    count: "",
    untilDate: "",
    errorEmail: sync.errorEmail ?? "",
    safetyThresholdPct: String(sync.safetyThresholdPct ?? 10),
  };
  if (!sync.schedule) return base;
  const [date, time] = sync.schedule.start.split("T");
  Object.assign(base, { startDate: date, startTime: time?.slice(0, 5) ?? "06:00", tz: sync.schedule.tz });
  let pattern: SchedulePattern | null = null;
  try {
    pattern = patternFromSchedule(sync.schedule);
  } catch {
    pattern = null;
  }
  if (!pattern) return base;
  const r = pattern.recurrence;
  switch (r.kind) {
    case "hourly":
      Object.assign(base, { freq: "hourly", interval: String(r.everyHours) });
      break;
    case "daily":
      Object.assign(base, { freq: "daily", dailyMode: "every", interval: String(r.everyDays) });
      break;
    case "weekdays":
      Object.assign(base, { freq: "daily", dailyMode: "weekdays", interval: "1" });
      break;
    case "weekly":
      Object.assign(base, { freq: "weekly", interval: String(r.everyWeeks), byDay: r.days });
      break;
    case "monthly_day":
      Object.assign(base, {
        freq: "monthly",
        monthlyMode: "day",
        interval: String(r.everyMonths),
        monthDay: String(r.day === -1 ? 31 : r.day),
      });
      break;
    case "monthly_weekday":
      Object.assign(base, {
        freq: "monthly",
        monthlyMode: "weekday",
        interval: String(r.everyMonths),
        nth: ordinalNumbers[r.ordinal],
        nthWeekday: r.weekday,
      });
      break;
    case "yearly_date":
      Object.assign(base, {
        freq: "yearly",
        monthlyMode: "day",
        interval: String(r.everyYears),
        month: String(r.month),
        monthDay: String(r.day),
      });
      break;
    case "yearly_weekday":
      Object.assign(base, {
        freq: "yearly",
        monthlyMode: "weekday",
        interval: String(r.everyYears),
        month: String(r.month),
        nth: ordinalNumbers[r.ordinal],
        nthWeekday: r.weekday,
      });
      break;
  }
  const g = pattern.range;
  if (g.type === "count") Object.assign(base, { rangeKind: "count", count: String(g.count) });
  if (g.type === "until") Object.assign(base, { rangeKind: "until", untilDate: g.date });
  return base;
}
