import { z } from "zod";
import { isLocationProblem, needsLogin, parseLocation, remoteKinds } from "./location";

/**
 * The zod schemas of the wizard's steps. The same schema validates the browser's form (react-hook-form
 * through @hookform/resolvers/zod) and the server action's FormData, so they read form values as the
 * browser sends them: strings, and checkboxes as "on"/absent (FormData) or true/false (react-hook-form).
 * Client-safe: no database or Node imports here.
 */

export const checkbox = z.preprocess((v) => v === true || v === "on" || v === "true" || v === "1", z.boolean());
const text = (max = 500) => z.preprocess((v) => (v == null ? "" : v), z.string().trim().max(max, `At most ${max} characters.`));

export const delimiterChoices = { comma: ",", semicolon: ";", tab: "\t", pipe: "|", space: " " } as const;
export type DelimiterChoice = keyof typeof delimiterChoices | "other";
export const delimiterLabels: Record<DelimiterChoice, string> = {
  comma: "Comma",
  semicolon: "Semicolon",
  tab: "Tab",
  pipe: "Pipe",
  space: "Space",
  other: "Other",
};
export const encodings = ["auto", "utf-8", "windows-1252", "utf-16le", "utf-16be"] as const;
export const encodingLabels: Record<(typeof encodings)[number], string> = {
  auto: "Detect automatically",
  "utf-8": "UTF-8",
  "windows-1252": "Windows-1252 (Western European)",
  "utf-16le": "UTF-16 LE",
  "utf-16be": "UTF-16 BE",
};

/** The delimiter character for a choice; null when "other" has no single character. */
export function delimiterChar(choice: DelimiterChoice, other: string): string | null {
  if (choice !== "other") return delimiterChoices[choice];
  return [...other].length === 1 ? other : null;
}

/** The select's choice for a stored delimiter character. */
export function delimiterChoiceOf(char: string): { choice: DelimiterChoice; other: string } {
  const found = (Object.keys(delimiterChoices) as (keyof typeof delimiterChoices)[]).find((k) => delimiterChoices[k] === char);
  return found ? { choice: found, other: "" } : { choice: "other", other: char };
}

export const sourceStepSchema = z
  .object({
    name: text(200).refine((v) => !/\p{Cc}/u.test(v), "Remove the control characters (such as line breaks or tabs)."),
    sourceType: z.enum(["upload", "remote"], { error: "Choose where the file comes from." }),
    uploadId: text(64),
    uploadName: text(500),
    location: text(2000),
    protocol: z.enum(["auto", ...remoteKinds]).default("auto"),
    login: text(200),
    authMethod: z.enum(["password", "key"]).default("password"),
    /** Blank keeps a stored secret. */
    password: z.preprocess((v) => (v == null ? "" : v), z.string().max(1000)),
    privateKey: z.preprocess((v) => (v == null ? "" : v), z.string().max(20_000)),
    passphrase: z.preprocess((v) => (v == null ? "" : v), z.string().max(1000)),
    /** "1" when the sync already has a stored password/key (set by the page; re-checked on the server). */
    secretSet: text(1),
    folderMode: z.enum(["newest", "every_new"]).default("newest"),
    hasHeader: checkbox,
    delimiter: z.enum(["comma", "semicolon", "tab", "pipe", "space", "other"]).default("comma"),
    delimiterOther: z.preprocess((v) => (v == null ? "" : v), z.string().max(4)),
    encoding: z.enum(encodings).default("auto"),
    updateExisting: checkbox,
    deleteMissing: checkbox,
    alwaysImport: checkbox,
    errorEmail: text(320).pipe(z.union([z.literal(""), z.email("Enter a valid email address, or leave it empty.")])),
    /** Fingerprint shown by "Test connection"; pinned when trustFingerprint is ticked. */
    fingerprint: text(200),
    trustFingerprint: checkbox,
  })
  .superRefine((v, ctx) => {
    if (v.delimiter === "other" && delimiterChar("other", v.delimiterOther) === null) {
      ctx.addIssue({ code: "custom", path: ["delimiterOther"], message: "Type exactly one delimiter character." });
    }
    if (v.sourceType === "upload") {
      if (!v.uploadId) ctx.addIssue({ code: "custom", path: ["uploadId"], message: "Choose a file to import and wait for the upload to finish." });
      return;
    }
    const parsed = parseLocation(v.location, v.protocol);
    if (isLocationProblem(parsed)) {
      ctx.addIssue({ code: "custom", path: ["location"], message: parsed.message });
      return;
    }
    if (needsLogin(parsed.kind) && !v.login && !parsed.login) {
      ctx.addIssue({ code: "custom", path: ["login"], message: "This server needs a login." });
    }
    const hasSecret = v.secretSet === "1" || !!parsed.password;
    if (parsed.kind === "sftp" && v.authMethod === "key") {
      if (!v.privateKey.trim() && !hasSecret) ctx.addIssue({ code: "custom", path: ["privateKey"], message: "Paste the private key (OpenSSH or PEM format)." });
      if (v.privateKey.trim() && !/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(v.privateKey)) {
        ctx.addIssue({ code: "custom", path: ["privateKey"], message: "This does not look like a private key: it should start with -----BEGIN … PRIVATE KEY-----." });
      }
    } else if (needsLogin(parsed.kind) && !v.password && !hasSecret) {
      ctx.addIssue({ code: "custom", path: ["password"], message: "This server needs a password." });
    }
    if (parsed.hasWildcard && v.folderMode === "every_new" && v.deleteMissing) {
      ctx.addIssue({
        code: "custom",
        path: ["deleteMissing"],
        message: "“Delete contacts not found” is not available when every new file is imported on its own.",
      });
    }
  });
export type SourceStepInput = z.input<typeof sourceStepSchema>;
export type SourceStepValues = z.output<typeof sourceStepSchema>;

/** Step 2: accept a suggested delimiter/encoding from the preview. */
export const previewSuggestionSchema = z.object({
  delimiter: z.string().min(1).max(4).refine((d) => [...d].length === 1, "One character."),
  encoding: z.enum(encodings),
});

export const AUTO_KEY = "__auto__";

/** The mapping while it is being edited (Apply Mapping, Remove, Add Field): no key required yet. */
export const mappingDraftSchema = z
  .object({
    columns: z
      .array(z.object({ column: z.string().min(1).max(1000), fieldId: z.preprocess((v) => (v == null ? "" : v), z.string().max(64)) }))
      .max(1000)
      .default([]),
    key: z.preprocess((v) => (v == null ? "" : v), z.string().max(1000)),
  })
  .superRefine((v, ctx) => {
    if (v.key && v.key !== AUTO_KEY && !v.columns.some((c) => c.column === v.key)) {
      ctx.addIssue({ code: "custom", path: ["key"], message: "The unique identifier must be one of the file's columns." });
    }
    const seen = new Map<string, number>();
    v.columns.forEach((c, i) => {
      if (!c.fieldId) return;
      const first = seen.get(c.fieldId);
      if (first !== undefined) {
        ctx.addIssue({ code: "custom", path: ["columns", i, "fieldId"], message: `This field is already fed by “${v.columns[first].column}”. Map each field from one column.` });
      } else seen.set(c.fieldId, i);
    });
  });

/** The mapping to run with (Run Import / Next): a key column or generated keys must be chosen. */
export const mappingStepSchema = mappingDraftSchema.superRefine((v, ctx) => {
  if (!v.key) ctx.addIssue({ code: "custom", path: ["key"], message: "Choose the unique identifier column, or generate unique keys automatically." });
});
export type MappingStepInput = z.input<typeof mappingStepSchema>;
export type MappingStepValues = z.output<typeof mappingStepSchema>;

export const addFieldSchema = z.object({
  label: text(100).pipe(z.string().min(1, "Give the new field a label.")),
  type: z.enum(["text", "email", "language", "date", "number"]).default("text"),
});

export const weekdays = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"] as const;
export const weekdayLabels: Record<(typeof weekdays)[number], string> = {
  MO: "Monday",
  TU: "Tuesday",
  WE: "Wednesday",
  TH: "Thursday",
  FR: "Friday",
  SA: "Saturday",
  SU: "Sunday",
};

const int = (min: number, max: number, what: string) =>
  z.preprocess(
    (v) => (v === "" || v == null ? undefined : typeof v === "string" ? Number(v) : v),
    z.number({ error: `Enter ${what}.` }).int(`Enter a whole number for ${what}.`).min(min, `${what} must be at least ${min}.`).max(max, `${what} must be at most ${max}.`),
  );

/** Only needed by some patterns (checked in superRefine when they are). */
const optionalInt = (min: number, max: number, what: string) =>
  z.preprocess((v) => (v === "" || v == null ? undefined : v), z.union([z.undefined(), int(min, max, what)]));

/** Step 4 (remote sources): the schedule. Compiled to an RRULE on the server through lib/schedule/pattern. */
export const scheduleStepSchema = z
  .object({
    startDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "Choose a start date."),
    startTime: z.string().regex(/^\d{2}:\d{2}$/, "Choose a start time."),
    tz: z.string().min(1, "Choose a time zone.").refine(isTimeZone, "Choose a time zone from the list."),
    freq: z.enum(["hourly", "daily", "weekly", "monthly", "yearly"]),
    interval: int(1, 999, "the interval"),
    dailyMode: z.enum(["every", "weekdays"]).default("every"),
    byDay: z.preprocess((v) => (v == null || v === "" ? [] : Array.isArray(v) ? v : [v]), z.array(z.enum(weekdays))),
    monthlyMode: z.enum(["day", "weekday"]).default("day"),
    monthDay: optionalInt(1, 31, "the day of the month"),
    nth: z.enum(["1", "2", "3", "4", "-1"]).default("1"),
    nthWeekday: z.enum([...weekdays, "weekday", "weekend_day"]).default("MO"),
    month: optionalInt(1, 12, "the month"),
    rangeKind: z.enum(["none", "count", "until"]).default("none"),
    count: optionalInt(1, 10_000, "the number of runs"),
    untilDate: z.preprocess((v) => (v == null ? "" : v), z.string()),
    errorEmail: text(320).pipe(z.union([z.literal(""), z.email("Enter a valid email address, or leave it empty.")])),
    safetyThresholdPct: z.preprocess(
      (v) => (v === "" || v == null ? undefined : typeof v === "string" ? Number(v) : v),
      z.number({ error: "Enter a percentage." }).min(0, "The threshold is a percentage from 0 to 100.").max(100, "The threshold is a percentage from 0 to 100."),
    ),
  })
  .superRefine((v, ctx) => {
    const dayMode = v.freq === "monthly" || v.freq === "yearly" ? v.monthlyMode : null;
    if (dayMode === "day" && v.monthDay === undefined) ctx.addIssue({ code: "custom", path: ["monthDay"], message: "Enter the day of the month (1–31)." });
    if (v.freq === "yearly" && v.month === undefined) ctx.addIssue({ code: "custom", path: ["month"], message: "Choose the month." });
    if (v.freq === "weekly" && v.byDay.length === 0) ctx.addIssue({ code: "custom", path: ["byDay"], message: "Choose at least one day of the week." });
    if (v.rangeKind === "count" && v.count === undefined) ctx.addIssue({ code: "custom", path: ["count"], message: "Enter after how many runs the schedule ends." });
    if (v.rangeKind === "until") {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v.untilDate)) ctx.addIssue({ code: "custom", path: ["untilDate"], message: "Choose the end date." });
      else if (v.untilDate < v.startDate) ctx.addIssue({ code: "custom", path: ["untilDate"], message: "The end date must be on or after the start date." });
    }
  });
export type ScheduleStepInput = z.input<typeof scheduleStepSchema>;
export type ScheduleStepValues = z.output<typeof scheduleStepSchema>;

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return tz.includes("/") || tz === "UTC";
  } catch {
    return false;
  }
}

/** Field errors as {path: message}, the shape the forms show next to inputs. */
export type FieldErrors = Record<string, string>;
export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.join(".") || "_form";
    out[key] ??= issue.message;
  }
  return out;
}
