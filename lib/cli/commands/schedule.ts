import { isAppError } from "@/lib/errors";
import { previewSchedule, PREVIEW_MAX } from "@/lib/schedule/preview";
import { CliFailure, output, parse, required, UsageError, type CommandContext } from "@/lib/cli/io";

/** `schedule preview --start YYYY-MM-DDTHH:MM --tz ZONE --rrule RULE --count N [--after ISO] --json` → ["…Z", …] */
export async function schedulePreview({ argv, json }: CommandContext): Promise<void> {
  const { values } = parse(argv, {
    start: { type: "string" },
    tz: { type: "string" },
    rrule: { type: "string" },
    count: { type: "string" },
    after: { type: "string" },
  });
  const start = required(values.start, "--start");
  const tz = required(values.tz, "--tz");
  const rrule = required(values.rrule, "--rrule");
  const countText = required(values.count, "--count");
  if (!/^\d+$/.test(countText))
    throw new UsageError(`--count must be a whole number from 1 to ${PREVIEW_MAX}, got "${countText}"`);
  let after: Date | undefined;
  if (values.after !== undefined) {
    after = new Date(values.after);
    if (Number.isNaN(after.getTime()))
      throw new CliFailure(`--after "${values.after}" is not a date-time (use ISO 8601, e.g. 2026-03-01T00:00:00Z).`);
  }
  let times: string[];
  try {
    times = previewSchedule({ start, tz, rrule, count: Number(countText), after });
  } catch (e) {
    if (isAppError(e)) throw new CliFailure(e.message);
    throw e;
  }
  output(json, times, times.length ? times.join("\n") : "No occurrences.");
}
