/**
 * Time-zone arithmetic with Intl only (Node's ICU carries the IANA database; no tz package needed).
 *
 * Local wall-clock times are handled as "naive milliseconds": the instant the same wall-clock reading would
 * be in UTC (Date.UTC(y, m-1, d, h, mi)). Converting one to a real instant follows RFC 5545 / PEP 495
 * fold=0 (python-dateutil with zoneinfo behaves the same):
 *  - a local time that does not exist (spring-forward gap) uses the offset in force BEFORE the gap,
 *    so 02:30 in a 02:00→03:00 gap becomes 03:30 local after the transition;
 *  - an ambiguous local time (fall back) is its FIRST occurrence (the earlier instant).
 */
import { AppError } from "@/lib/errors";

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      era: "short",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Intl's spelling of a zone it knows, or null. Intl ignores case; IANA names (and other tools) do not. */
function resolvedZone(tz: string): string | null {
  if (typeof tz !== "string" || !/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(tz)) return null;
  try {
    return formatter(tz).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** True for an IANA zone name, spelled as IANA does ("Europe/Berlin", "UTC"); offsets like "+05:00" are not zones. */
export function isValidTimeZone(tz: string): boolean {
  const resolved = resolvedZone(tz);
  return resolved !== null && !(resolved !== tz && resolved.toLowerCase() === tz.toLowerCase());
}

export function assertTimeZone(tz: string): void {
  if (isValidTimeZone(tz)) return;
  const resolved = resolvedZone(tz);
  const hint = resolved
    ? ` Did you mean ${resolved}?`
    : " Use an IANA zone name such as Europe/Berlin or America/New_York.";
  throw new AppError("invalid_time_zone", `Unknown time zone "${tz}".${hint}`);
}

/** The zone's UTC offset (ms, east positive) at an instant. */
export function offsetAt(tz: string, instantMs: number): number {
  // Whole seconds only: Intl shows seconds, and historic offsets (LMT) may have them.
  const t = Math.floor(instantMs / 1000) * 1000;
  const parts = formatter(tz).formatToParts(new Date(t));
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const era = parts.find((p) => p.type === "era")!.value;
  let year = get("year");
  if (era === "BC" || era === "B") year = 1 - year;
  const d = new Date(0);
  d.setUTCFullYear(year, get("month") - 1, get("day"));
  d.setUTCHours(get("hour"), get("minute"), get("second"), 0);
  return d.getTime() - t;
}

/** The local wall-clock reading (naive ms) of an instant. */
export function utcToLocal(tz: string, instantMs: number): number {
  return instantMs + offsetAt(tz, instantMs);
}

/** The instant of a local wall-clock time (naive ms), with the gap/fold rules above. */
export function localToUtc(tz: string, localMs: number): number {
  const before = offsetAt(tz, localMs - DAY_MS);
  const after = offsetAt(tz, localMs + DAY_MS);
  let best: number | undefined;
  for (const o of before === after ? [before] : [before, after]) {
    const t = localMs - o;
    if (offsetAt(tz, t) === o && (best === undefined || t < best)) best = t;
  }
  if (best !== undefined) return best;
  // No offset fits: a gap. Read the offset in force just before it; localMs - after lies before the transition.
  const pre = offsetAt(tz, localMs - after);
  return localMs - pre;
}
