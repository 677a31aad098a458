/**
 * Run-time previews, shared by the CLI (`schedule preview`) and the wizard's "next 5 run times".
 *
 * Without `after`: the first `count` occurrences from DTSTART in RFC 5545 order, exactly as python-dateutil
 * lists them (a sub-daily rule crossing a spring-forward gap can list one instant twice).
 * With `after`: the next `count` run times strictly after it — what the scheduler will run, one per instant.
 */
import { AppError } from "@/lib/errors";
import { compileSchedule, listOccurrences, nextOccurrences } from "@/lib/schedule/expand";
import { offsetAt } from "@/lib/schedule/timezone";

export const PREVIEW_MAX = 1000;

export type PreviewInput = { start: string; tz: string; rrule: string; count: number; after?: Date };

function checkCount(count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > PREVIEW_MAX) {
    throw new AppError("invalid_count", `Count must be a whole number from 1 to ${PREVIEW_MAX}, got ${count}.`);
  }
}

/** ISO UTC strings ("2026-03-08T07:30:00Z"). AppError for a bad start, zone, rule or count. */
export function previewSchedule(input: PreviewInput): string[] {
  checkCount(input.count);
  const schedule = { start: input.start, tz: input.tz, rrule: input.rrule };
  compileSchedule(schedule);
  const instants = input.after
    ? nextOccurrences(schedule, input.after, input.count).map((d) => d.getTime())
    : listOccurrences(schedule, input.count);
  return instants.map(toIsoUtc);
}

export type PreviewTime = {
  /** "2026-03-08T07:30:00Z" */
  utc: string;
  /** Wall-clock time in the schedule's zone, "2026-03-08T03:30". */
  local: string;
  /** The zone's offset then, "-04:00". */
  offset: string;
};

/** The same run times with their wall-clock reading in the schedule's zone, for display. */
export function previewScheduleLocal(input: PreviewInput): PreviewTime[] {
  return previewSchedule(input).map((utc) => {
    const ms = Date.parse(utc);
    const off = offsetAt(input.tz, ms);
    const local = new Date(ms + off).toISOString().slice(0, 16);
    const abs = Math.abs(off) / 60_000;
    const offset = `${off < 0 ? "-" : "+"}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
    return { utc, local, offset };
  });
}

function toIsoUtc(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
