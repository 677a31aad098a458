/**
 * RFC 5545 RRULE parsing and formatting for the subset Contact Sync schedules use:
 * FREQ (MINUTELY, HOURLY, DAILY, WEEKLY, MONTHLY, YEARLY), INTERVAL, COUNT, UNTIL, BYMONTH, BYMONTHDAY,
 * BYDAY (with ordinals for MONTHLY/YEARLY), BYHOUR, BYMINUTE, BYSETPOS, WKST.
 * Parts we do not expand (SECONDLY, BYSECOND, BYWEEKNO, BYYEARDAY) are refused with a clear message rather
 * than silently ignored.
 */
import { AppError } from "@/lib/errors";

export const frequencies = ["YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY"] as const;
export type Frequency = (typeof frequencies)[number];
export const weekdayCodes = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"] as const;
export type WeekdayCode = (typeof weekdayCodes)[number];

/** Weekday 0 = Monday … 6 = Sunday (as python-dateutil). */
export type ByDay = { weekday: number; n?: number };

/**
 * UNTIL (inclusive): a UTC instant ("…Z", the RFC 5545 form with a TZID), or a local wall-clock time
 * (floating "20261231T235959", or a bare date "20261231" = local midnight, as python-dateutil reads it).
 */
export type Until = { utc: boolean; ms: number; dateOnly?: boolean };

export type RecurrenceRule = {
  freq: Frequency;
  interval: number;
  count?: number;
  until?: Until;
  byMonth?: number[];
  byMonthDay?: number[];
  byDay?: ByDay[];
  byHour?: number[];
  byMinute?: number[];
  bySetPos?: number[];
  wkst: number;
};

function invalid(message: string): never {
  throw new AppError("invalid_rrule", `Invalid recurrence rule: ${message}`);
}

function intList(key: string, value: string, min: number, max: number, allowZero = true): number[] {
  const out: number[] = [];
  for (const item of value.split(",")) {
    if (!/^[+-]?\d{1,4}$/.test(item)) invalid(`${key} must be a comma-separated list of numbers, got "${value}".`);
    const n = Number(item);
    if (n < min || n > max || (!allowZero && n === 0))
      invalid(`${key} value ${item} is out of range (${min}..${max}${allowZero ? "" : ", not 0"}).`);
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

function positiveInt(key: string, value: string): number {
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1)
    invalid(`${key} must be a whole number of at least 1, got "${value}".`);
  return Number(value);
}

function parseUntil(value: string): Until {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(value);
  if (!m) invalid(`UNTIL must look like 20261231T235959Z, got "${value}".`);
  const [, y, mo, d, h, mi, s, z] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0));
  const back = new Date(ms);
  if (
    back.getUTCFullYear() !== Number(y) ||
    back.getUTCMonth() + 1 !== Number(mo) ||
    back.getUTCDate() !== Number(d) ||
    Number(h ?? 0) > 23 ||
    Number(mi ?? 0) > 59 ||
    Number(s ?? 0) > 59
  ) {
    invalid(`UNTIL "${value}" is not a real date and time.`);
  }
  // A bare date is local midnight of that day, as python-dateutil reads it.
  if (h === undefined) return { utc: false, ms, dateOnly: true };
  return { utc: z === "Z", ms };
}

function parseByDay(value: string, freq: Frequency): ByDay[] {
  const out: ByDay[] = [];
  for (const item of value.split(",")) {
    const m = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(item);
    if (!m) invalid(`BYDAY items look like MO, 2TU or -1FR; got "${item}".`);
    const weekday = weekdayCodes.indexOf(m[2] as WeekdayCode);
    if (m[1] === undefined) {
      if (!out.some((b) => b.weekday === weekday && b.n === undefined)) out.push({ weekday });
      continue;
    }
    const n = Number(m[1]);
    if (freq !== "MONTHLY" && freq !== "YEARLY")
      invalid(`numbered weekdays such as "${item}" need FREQ=MONTHLY or FREQ=YEARLY.`);
    const limit = freq === "MONTHLY" ? 5 : 53;
    if (n === 0 || Math.abs(n) > limit) invalid(`"${item}": the number must be 1..${limit} or -${limit}..-1.`);
    if (!out.some((b) => b.weekday === weekday && b.n === n)) out.push({ weekday, n });
  }
  return out;
}

/** Parse an RRULE body such as "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE" (an "RRULE:" prefix is accepted). */
export function parseRrule(text: string): RecurrenceRule {
  if (typeof text !== "string" || text.trim() === "") invalid("the rule is empty.");
  const body = text.trim().replace(/^RRULE:/i, "");
  if (/[\r\n]/.test(body)) invalid("the rule must be one line (DTSTART and TZID are given separately).");
  const parts = new Map<string, string>();
  for (const part of body.split(";")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    if (eq <= 0) invalid(`"${part}" is not NAME=VALUE.`);
    const key = part.slice(0, eq).toUpperCase();
    const value = part.slice(eq + 1).toUpperCase();
    if (parts.has(key)) invalid(`${key} appears twice.`);
    if (value === "") invalid(`${key} has no value.`);
    parts.set(key, value);
  }
  const freqText = parts.get("FREQ");
  if (!freqText) invalid("FREQ is required (e.g. FREQ=DAILY).");
  if (freqText === "SECONDLY") invalid("FREQ=SECONDLY is not supported; the finest frequency is MINUTELY.");
  if (!(frequencies as readonly string[]).includes(freqText))
    invalid(`FREQ must be one of ${frequencies.join(", ")}; got "${freqText}".`);
  const freq = freqText as Frequency;
  const rule: RecurrenceRule = { freq, interval: 1, wkst: 0 };
  for (const [key, value] of parts) {
    switch (key) {
      case "FREQ":
        break;
      case "INTERVAL":
        rule.interval = positiveInt(key, value);
        break;
      case "COUNT":
        rule.count = positiveInt(key, value);
        break;
      case "UNTIL":
        rule.until = parseUntil(value);
        break;
      case "BYMONTH":
        rule.byMonth = intList(key, value, 1, 12);
        break;
      case "BYMONTHDAY":
        rule.byMonthDay = intList(key, value, -31, 31, false);
        break;
      case "BYDAY":
        rule.byDay = parseByDay(value, freq);
        break;
      case "BYHOUR":
        rule.byHour = intList(key, value, 0, 23);
        break;
      case "BYMINUTE":
        rule.byMinute = intList(key, value, 0, 59);
        break;
      case "BYSETPOS":
        rule.bySetPos = intList(key, value, -366, 366, false);
        break;
      case "WKST": {
        const i = weekdayCodes.indexOf(value as WeekdayCode);
        if (i < 0) invalid(`WKST must be one of ${weekdayCodes.join(", ")}; got "${value}".`);
        rule.wkst = i;
        break;
      }
      case "BYSECOND":
      case "BYWEEKNO":
      case "BYYEARDAY":
        invalid(`${key} is not supported.`);
        break;
      default:
        invalid(`unknown part "${key}".`);
    }
  }
  if (rule.count !== undefined && rule.until !== undefined) invalid("COUNT and UNTIL cannot both be given (RFC 5545).");
  if (rule.bySetPos && !rule.byDay && !rule.byMonthDay && !rule.byMonth && !rule.byHour && !rule.byMinute) {
    invalid("BYSETPOS needs another BYxxx part to choose from (RFC 5545).");
  }
  return rule;
}

function untilText(u: Until): string {
  const iso = new Date(u.ms).toISOString(); // 2026-12-31T23:59:59.000Z
  const basic = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
  if (u.dateOnly) return basic.slice(0, 8);
  return u.utc ? `${basic}Z` : basic;
}

/** The canonical text of a rule (parts in a fixed order, lists sorted; no part changes meaning by order). */
export function formatRrule(rule: RecurrenceRule): string {
  const num = (list: number[]) => [...list].sort((a, b) => a - b).join(",");
  const days = (list: ByDay[]) =>
    [...list]
      .sort((a, b) => a.weekday - b.weekday || (a.n ?? 0) - (b.n ?? 0))
      .map((b) => `${b.n ?? ""}${weekdayCodes[b.weekday]}`)
      .join(",");
  const parts = [`FREQ=${rule.freq}`];
  if (rule.interval !== 1) parts.push(`INTERVAL=${rule.interval}`);
  if (rule.byMonth) parts.push(`BYMONTH=${num(rule.byMonth)}`);
  if (rule.byMonthDay) parts.push(`BYMONTHDAY=${num(rule.byMonthDay)}`);
  if (rule.byDay) parts.push(`BYDAY=${days(rule.byDay)}`);
  if (rule.byHour) parts.push(`BYHOUR=${num(rule.byHour)}`);
  if (rule.byMinute) parts.push(`BYMINUTE=${num(rule.byMinute)}`);
  if (rule.bySetPos) parts.push(`BYSETPOS=${num(rule.bySetPos)}`);
  if (rule.wkst !== 0) parts.push(`WKST=${weekdayCodes[rule.wkst]}`);
  if (rule.count !== undefined) parts.push(`COUNT=${rule.count}`);
  if (rule.until) parts.push(`UNTIL=${untilText(rule.until)}`);
  return parts.join(";");
}
