/**
 * The wizard's schedule controls (as in calendar apps) and their RFC 5545 form.
 *
 *   patternToRrule(pattern, tz)      controls → RRULE body (UNTIL in UTC, as RFC 5545 requires with a TZID)
 *   rruleToPattern(rrule, tz, start) RRULE → controls, or null when the rule says more than the controls can
 *   scheduleFromPattern / patternFromSchedule  the same with the whole stored Schedule {start, tz, rrule}
 *
 * Every pattern compiles to explicit BY* parts (not DTSTART defaults), so the rule means the same whatever the
 * start date. rruleToPattern accepts only rules whose canonical text is exactly what the pattern compiles to
 * (given the start, implied parts such as a WEEKLY rule's weekday are filled in first).
 */
import { z } from "zod";
import type { Schedule } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { compileSchedule, parseLocalStart } from "@/lib/schedule/expand";
import {
  formatRrule,
  parseRrule,
  weekdayCodes,
  type ByDay,
  type RecurrenceRule,
  type Until,
} from "@/lib/schedule/rrule";
import { assertTimeZone, localToUtc, utcToLocal } from "@/lib/schedule/timezone";

export const weekdaySchema = z.enum(weekdayCodes);
export type Weekday = z.infer<typeof weekdaySchema>;
/** first … fourth, or last (RFC 5545 1, 2, 3, 4, -1). */
export const ordinalSchema = z.enum(["first", "second", "third", "fourth", "last"]);
export type Ordinal = z.infer<typeof ordinalSchema>;
/** A named weekday, or "weekday" (Mon–Fri) / "weekend_day" (Sat–Sun), as in "the last weekday of the month". */
export const dayKindSchema = z.union([weekdaySchema, z.enum(["weekday", "weekend_day"])]);
export type DayKind = z.infer<typeof dayKindSchema>;

const every = (max: number) => z.number().int().min(1).max(max);
const monthDay = z.number().int().min(1).max(31);
const month = z.number().int().min(1).max(12);
const ymdDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date like 2026-12-31.");

export const recurrenceSchema = z.discriminatedUnion("kind", [
  /** Every N hours (at DTSTART's minute). */
  z.object({ kind: z.literal("hourly"), everyHours: every(8760) }),
  /** Every N days. */
  z.object({ kind: z.literal("daily"), everyDays: every(3660) }),
  /** Every weekday (Monday to Friday). */
  z.object({ kind: z.literal("weekdays") }),
  /** Every N weeks on the chosen days. */
  z.object({
    kind: z.literal("weekly"),
    everyWeeks: every(520),
    days: z.array(weekdaySchema).min(1, "Choose at least one day."),
  }),
  /** Day D (1–31; -1 = the last day) of every N months. Months without day D are skipped (RFC 5545). */
  z.object({ kind: z.literal("monthly_day"), everyMonths: every(120), day: z.union([monthDay, z.literal(-1)]) }),
  /** The first/second/third/fourth/last <day kind> of every N months. */
  z.object({
    kind: z.literal("monthly_weekday"),
    everyMonths: every(120),
    ordinal: ordinalSchema,
    weekday: dayKindSchema,
  }),
  /** Every N years on month/day (29 February: leap years only). */
  z.object({ kind: z.literal("yearly_date"), everyYears: every(100), month, day: monthDay }),
  /** Every N years on the first/…/last <day kind> of a month. */
  z.object({
    kind: z.literal("yearly_weekday"),
    everyYears: every(100),
    ordinal: ordinalSchema,
    weekday: dayKindSchema,
    month,
  }),
]);
export type Recurrence = z.infer<typeof recurrenceSchema>;

export const rangeSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("none") }),
  z.object({ type: z.literal("count"), count: z.number().int().min(1).max(100_000) }),
  /** Through the end of this local date in the schedule's zone. */
  z.object({ type: z.literal("until"), date: ymdDate }),
]);
export type Range = z.infer<typeof rangeSchema>;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export const schedulePatternSchema = z
  .object({ recurrence: recurrenceSchema, range: rangeSchema })
  .superRefine((p, ctx) => {
    const r = p.recurrence;
    if (r.kind === "yearly_date" && r.day > DAYS_IN_MONTH[r.month - 1]) {
      ctx.addIssue({ code: "custom", path: ["recurrence", "day"], message: `Month ${r.month} has no day ${r.day}.` });
    }
    if (p.range.type === "until") {
      const [y, m, d] = p.range.date.split("-").map(Number);
      const t = new Date(Date.UTC(y, m - 1, d));
      if (y < 1000 || t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d) {
        ctx.addIssue({ code: "custom", path: ["range", "date"], message: `${p.range.date} is not a real date.` });
      }
    }
  });
export type SchedulePattern = z.infer<typeof schedulePatternSchema>;

const ORDINAL_N: Record<Ordinal, number> = { first: 1, second: 2, third: 3, fourth: 4, last: -1 };
const WEEKDAYS: Weekday[] = ["MO", "TU", "WE", "TH", "FR"];
const WEEKEND: Weekday[] = ["SA", "SU"];
const wd = (code: Weekday) => weekdayCodes.indexOf(code);

/** BYDAY (+ BYSETPOS) for "the <ordinal> <day kind>". */
function ordinalDay(ordinal: Ordinal, kind: DayKind): Pick<RecurrenceRule, "byDay" | "bySetPos"> {
  const n = ORDINAL_N[ordinal];
  if (kind === "weekday" || kind === "weekend_day") {
    return { byDay: (kind === "weekday" ? WEEKDAYS : WEEKEND).map((c) => ({ weekday: wd(c) })), bySetPos: [n] };
  }
  return { byDay: [{ weekday: wd(kind), n }] };
}

function parsePattern(pattern: unknown): SchedulePattern {
  const parsed = schedulePatternSchema.safeParse(pattern);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError(
      "invalid_schedule_pattern",
      `Invalid schedule: ${issue.path.join(".") || "pattern"}: ${issue.message}`,
    );
  }
  return parsed.data;
}

function patternToRule(p: SchedulePattern, tz: string): RecurrenceRule {
  const r = p.recurrence;
  let rule: RecurrenceRule;
  switch (r.kind) {
    case "hourly":
      rule = { freq: "HOURLY", interval: r.everyHours, wkst: 0 };
      break;
    case "daily":
      rule = { freq: "DAILY", interval: r.everyDays, wkst: 0 };
      break;
    case "weekdays":
      rule = { freq: "DAILY", interval: 1, wkst: 0, byDay: WEEKDAYS.map((c) => ({ weekday: wd(c) })) };
      break;
    case "weekly": {
      const days = [...new Set(r.days)].map(wd).sort((a, b) => a - b);
      rule = { freq: "WEEKLY", interval: r.everyWeeks, wkst: 0, byDay: days.map((weekday) => ({ weekday })) };
      break;
    }
    case "monthly_day":
      rule = { freq: "MONTHLY", interval: r.everyMonths, wkst: 0, byMonthDay: [r.day] };
      break;
    case "monthly_weekday":
      rule = { freq: "MONTHLY", interval: r.everyMonths, wkst: 0, ...ordinalDay(r.ordinal, r.weekday) };
      break;
    case "yearly_date":
      rule = { freq: "YEARLY", interval: r.everyYears, wkst: 0, byMonth: [r.month], byMonthDay: [r.day] };
      break;
    case "yearly_weekday":
      rule = {
        freq: "YEARLY",
        interval: r.everyYears,
        wkst: 0,
        byMonth: [r.month],
        ...ordinalDay(r.ordinal, r.weekday),
      };
      break;
  }
  if (p.range.type === "count") rule.count = p.range.count;
  if (p.range.type === "until") rule.until = untilEndOf(p.range.date, tz);
  return rule;
}

/** An end date (a local date in the schedule's zone, inclusive) as the rule's UNTIL: its last second, in UTC. */
export function untilEndOf(date: string, tz: string): Until {
  assertTimeZone(tz);
  const [y, m, d] = date.split("-").map(Number);
  return { utc: true, ms: localToUtc(tz, Date.UTC(y, m - 1, d, 23, 59, 59)) };
}

/** A rule's UNTIL as the local end date it stands for in the schedule's zone. */
export function untilDateOf(until: Until, tz: string): string {
  const local = until.utc ? utcToLocal(tz, until.ms) : until.ms;
  return new Date(local).toISOString().slice(0, 10);
}

/** Compile the wizard's controls to an RRULE body. `tz` is the schedule's zone (an end date is a local date there). */
export function patternToRrule(pattern: SchedulePattern, tz: string): string {
  return formatRrule(patternToRule(parsePattern(pattern), tz));
}

/** {start, tz, pattern} → the Schedule stored on a sync; AppError when any part is invalid. */
export function scheduleFromPattern(input: { start: string; tz: string; pattern: SchedulePattern }): Schedule {
  const schedule: Schedule = { start: input.start, tz: input.tz, rrule: patternToRrule(input.pattern, input.tz) };
  compileSchedule(schedule);
  return schedule;
}

/** A rule's BY* parts that RFC 5545 takes from DTSTART when absent, written out (as the expander applies them). */
function withImpliedParts(rule: RecurrenceRule, start: string | undefined): RecurrenceRule {
  if (!start || rule.byDay || rule.byMonthDay) return rule;
  const s = new Date(parseLocalStart(start));
  const startWeekday = (s.getUTCDay() + 6) % 7;
  if (rule.freq === "WEEKLY") return { ...rule, byDay: [{ weekday: startWeekday }] };
  if (rule.freq === "MONTHLY") return { ...rule, byMonthDay: [s.getUTCDate()] };
  if (rule.freq === "YEARLY")
    return { ...rule, byMonth: rule.byMonth ?? [s.getUTCMonth() + 1], byMonthDay: [s.getUTCDate()] };
  return rule;
}

function ordinalOf(n: number): Ordinal | null {
  return (Object.entries(ORDINAL_N).find(([, v]) => v === n)?.[0] as Ordinal | undefined) ?? null;
}

/** "the <ordinal> <day kind>" from BYDAY/BYSETPOS, or null. */
function readOrdinalDay(
  byDay: ByDay[] | undefined,
  bySetPos: number[] | undefined,
): { ordinal: Ordinal; weekday: DayKind } | null {
  if (!byDay) return null;
  if (bySetPos) {
    if (bySetPos.length !== 1 || byDay.some((b) => b.n !== undefined)) return null;
    const ordinal = ordinalOf(bySetPos[0]);
    const codes = byDay
      .map((b) => weekdayCodes[b.weekday])
      .sort()
      .join(",");
    const kind: DayKind | null =
      codes === [...WEEKDAYS].sort().join(",")
        ? "weekday"
        : codes === [...WEEKEND].sort().join(",")
          ? "weekend_day"
          : null;
    return ordinal && kind ? { ordinal, weekday: kind } : null;
  }
  if (byDay.length !== 1 || byDay[0].n === undefined) return null;
  const ordinal = ordinalOf(byDay[0].n);
  return ordinal ? { ordinal, weekday: weekdayCodes[byDay[0].weekday] } : null;
}

function readRecurrence(rule: RecurrenceRule): Recurrence | null {
  const i = rule.interval;
  switch (rule.freq) {
    case "HOURLY":
      return { kind: "hourly", everyHours: i };
    case "DAILY":
      return rule.byDay ? { kind: "weekdays" } : { kind: "daily", everyDays: i };
    case "WEEKLY":
      return rule.byDay
        ? {
            kind: "weekly",
            everyWeeks: i,
            days: [...rule.byDay].sort((a, b) => a.weekday - b.weekday).map((b) => weekdayCodes[b.weekday]),
          }
        : null;
    case "MONTHLY": {
      if (rule.byMonthDay?.length === 1 && !rule.byDay)
        return { kind: "monthly_day", everyMonths: i, day: rule.byMonthDay[0] };
      const od = readOrdinalDay(rule.byDay, rule.bySetPos);
      return od ? { kind: "monthly_weekday", everyMonths: i, ...od } : null;
    }
    case "YEARLY": {
      if (rule.byMonth?.length !== 1) return null;
      const m = rule.byMonth[0];
      if (rule.byMonthDay?.length === 1 && !rule.byDay)
        return { kind: "yearly_date", everyYears: i, month: m, day: rule.byMonthDay[0] };
      const od = readOrdinalDay(rule.byDay, rule.bySetPos);
      return od ? { kind: "yearly_weekday", everyYears: i, month: m, ...od } : null;
    }
    default:
      return null;
  }
}

function readRange(rule: RecurrenceRule, tz: string): Range | null {
  if (rule.count !== undefined) return { type: "count", count: rule.count };
  if (!rule.until) return { type: "none" };
  if (!rule.until.utc) return null;
  return { type: "until", date: untilDateOf(rule.until, tz) };
}

/**
 * Read an RRULE back into the wizard's controls; null when the rule is more than the controls express
 * (then the wizard shows the rule as text). `start` lets rules that rely on DTSTART defaults be read.
 * Throws AppError for a rule that is not valid at all.
 */
export function rruleToPattern(rrule: string, tz: string, start?: string): SchedulePattern | null {
  assertTimeZone(tz);
  const rule = withImpliedParts(parseRrule(rrule), start);
  const recurrence = readRecurrence(rule);
  const range = recurrence && readRange(rule, tz);
  if (!recurrence || !range) return null;
  const parsed = schedulePatternSchema.safeParse({ recurrence, range });
  if (!parsed.success) return null;
  // Accept only an exact round trip: anything the controls would drop (WKST, extra BY parts) makes it null.
  return formatRrule(patternToRule(parsed.data, tz)) === formatRrule(rule) ? parsed.data : null;
}

/** The controls for a stored schedule, or null when its rule is more complex than they are. */
export function patternFromSchedule(schedule: Schedule): SchedulePattern | null {
  compileSchedule(schedule);
  return rruleToPattern(schedule.rrule, schedule.tz, schedule.start);
}
