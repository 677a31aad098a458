/**
 * Date formatting shared by server and client renders. Built from numeric parts (not a locale's pattern),
 * so Node and the browser produce the same text and hydration matches.
 */
export function formatInZone(iso: string, timeZone: string): string {
  if (timeZone === "UTC") return formatUtc(new Date(iso));
  const parts = formatterFor(timeZone).formatToParts(new Date(iso));
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${p.weekday} ${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const two = (n: number) => (n < 10 ? `0${n}` : String(n));

/**
 * The same text in UTC without Intl: every time is rendered in UTC on the server (which does not know the
 * viewer's zone), 50 times on a page of contacts, and formatToParts costs ~10 times as much.
 */
function formatUtc(d: Date): string {
  return `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
}

/**
 * One formatter per zone, made once: building an Intl.DateTimeFormat costs ~45 µs against ~4 µs for using one,
 * and a page of 50 contacts formats 50 times. Zones are a short, fixed list, so the cache stays small.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
export function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      weekday: "short",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** A zone name that is valid for Intl, or UTC. */
export function safeZone(tz: string | null | undefined): string {
  if (!tz) return "UTC";
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone: tz });
    return tz;
  } catch {
    return "UTC";
  }
}

export function formatDuration(seconds: number): string {
  if (seconds < 1) return "under 1 s";
  // Rounded once, then split: 119.7 s is "2 min", never "1 min 60 s".
  const total = Math.round(seconds);
  if (total < 60) return `${total} s`;
  const m = Math.floor(total / 60);
  const s = total % 60;
  if (m < 60) return s ? `${m} min ${s} s` : `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export const statusLabels: Record<string, string> = {
  queued: "Queued",
  running: "Running",
  succeeded: "Succeeded",
  completed_with_errors: "Completed with errors",
  failed: "Failed",
  skipped_unchanged: "Unchanged, skipped",
  blocked: "Blocked (needs approval)",
};

export const triggerLabels: Record<string, string> = {
  upload: "Upload",
  manual: "Go (manual)",
  wizard: "Run Import now (wizard)",
  schedule: "Schedule",
  cli: "Command line",
  approval: "Approval",
};

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}
