import type { Schedule } from "@/db/schema";
import { compileSchedule, nextOccurrenceAfter } from "@/lib/schedule/expand";

/**
 * The next_run_at to store for a sync: its first occurrence strictly after `from` (default now), or null when
 * the schedule's range has ended (no "Next Import"). The wizard calls this when a sync is activated or its
 * schedule edited; the scheduler calls it after claiming an occurrence. Throws AppError for an invalid schedule.
 */
export function computeNextRunAt(schedule: Schedule | null | undefined, from: Date = new Date()): Date | null {
  if (!schedule) return null;
  compileSchedule(schedule);
  return nextOccurrenceAfter(schedule, from);
}
