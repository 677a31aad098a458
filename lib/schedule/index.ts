/**
 * What pages, server actions and the CLI use from lib/schedule (no scheduler here: importing this module never
 * starts a heartbeat or loads the engine). The heartbeat lives in ./scheduler, started by instrumentation.ts.
 */
export {
  schedulePatternSchema,
  recurrenceSchema,
  rangeSchema,
  weekdaySchema,
  ordinalSchema,
  dayKindSchema,
  patternToRrule,
  rruleToPattern,
  scheduleFromPattern,
  patternFromSchedule,
  type SchedulePattern,
  type Recurrence,
  type Range,
  type Weekday,
  type Ordinal,
  type DayKind,
} from "./pattern";
export { previewSchedule, previewScheduleLocal, PREVIEW_MAX, type PreviewInput, type PreviewTime } from "./preview";
export { computeNextRunAt } from "./next-run";
export { compileSchedule, nextOccurrences, nextOccurrenceAfter, listOccurrences } from "./expand";
export { isValidTimeZone } from "./timezone";
