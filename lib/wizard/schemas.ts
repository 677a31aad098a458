import { z } from "zod";
import { emptyRules, encodings, mergeRules, remoteKinds } from "@/lib/vocabulary";
import { isLinkProblem, needsLogin, readTypedLink } from "@/lib/wizard/location";

/**
 * The zod schemas of the wizard's steps. The same schema validates the browser's form (react-hook-form
 * through @hookform/resolvers/zod) and the server action's FormData, so they read form values as the
 * browser sends them: strings, and checkboxes as "on"/absent (FormData) or true/false (react-hook-form).
 * Client-safe: no database or Node imports here.
 */

export const checkbox = z.preprocess((v) => v === true || v === "on" || v === "true" || v === "1", z.boolean());
const text = (max = 500) =>
  z.preprocess((v) => (v == null ? "" : v), z.string().trim().max(max, `At most ${max} characters.`));

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

/** The delimiter character for a choice; null when "other" has no single character. */
export function delimiterChar(choice: DelimiterChoice, other: string): string | null {
  if (choice !== "other") return delimiterChoices[choice];
  return [...other].length === 1 ? other : null;
}

/** The select's choice for a stored delimiter character. */
export function delimiterChoiceOf(char: string): { choice: DelimiterChoice; other: string } {
  const found = (Object.keys(delimiterChoices) as (keyof typeof delimiterChoices)[]).find(
    (k) => delimiterChoices[k] === char,
  );
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
    /** ZIP archives with several members: the one to read (name or wildcard). */
    zipMember: text(500),
    /** FTP/FTPS/SFTP: seconds a recently changed file must stay unchanged; ready-marker suffix. */
    settleSeconds: z.preprocess(
      (v) => (v == null || v === "" ? 30 : v),
      z.coerce
        .number({ error: "Enter the settle time in whole seconds." })
        .int("Enter the settle time in whole seconds.")
        .min(0, "The settle time cannot be negative.")
        .max(3600, "At most 3600 seconds (one hour)."),
    ),
    readyMarker: text(50).refine((v) => !/[/\\\s]/.test(v), "A suffix such as .done, without spaces or slashes."),
    /** FTP/FTPS/SFTP: what happens to the file after an applied run. */
    afterImport: z.enum(["leave", "move", "delete"]).default("leave"),
    afterImportFolder: text(500),
    /** Fingerprint shown by "Test connection"; pinned when trustFingerprint is ticked. */
    fingerprint: text(200),
    trustFingerprint: checkbox,
  })
  .superRefine((v, ctx) => {
    if (v.delimiter === "other" && delimiterChar("other", v.delimiterOther) === null) {
      ctx.addIssue({ code: "custom", path: ["delimiterOther"], message: "Type exactly one delimiter character." });
    }
    if (v.sourceType === "upload") {
      if (!v.uploadId)
        ctx.addIssue({
          code: "custom",
          path: ["uploadId"],
          message: "Choose a file to import and wait for the upload to finish.",
        });
      return;
    }
    const parsed = readTypedLink(v.location, v.protocol);
    if (isLinkProblem(parsed)) {
      ctx.addIssue({ code: "custom", path: ["location"], message: parsed.message });
      return;
    }
    if (needsLogin(parsed.kind) && !v.login && !parsed.login) {
      ctx.addIssue({ code: "custom", path: ["login"], message: "This server needs a login." });
    }
    const hasSecret = v.secretSet === "1" || !!parsed.password;
    if (parsed.kind === "sftp" && v.authMethod === "key") {
      if (!v.privateKey.trim() && !hasSecret)
        ctx.addIssue({
          code: "custom",
          path: ["privateKey"],
          message: "Paste the private key (OpenSSH or PEM format).",
        });
      if (v.privateKey.trim() && !/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(v.privateKey)) {
        ctx.addIssue({
          code: "custom",
          path: ["privateKey"],
          message: "This does not look like a private key: it should start with -----BEGIN … PRIVATE KEY-----.",
        });
      }
    } else if (needsLogin(parsed.kind) && !v.password && !hasSecret) {
      ctx.addIssue({ code: "custom", path: ["password"], message: "This server needs a password." });
    }
    if (v.afterImport === "move" && !v.afterImportFolder.trim()) {
      ctx.addIssue({ code: "custom", path: ["afterImportFolder"], message: "Name the folder to move files into." });
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
  delimiter: z
    .string()
    .min(1)
    .max(4)
    .refine((d) => [...d].length === 1, "One character."),
  encoding: z.enum(encodings),
});

export const AUTO_KEY = "__auto__";
/**
 * The mapping select's choice for the operation column: `delete`, `d`, `remove` (any case) delete the row's
 * contact; empty, `upsert`, `u` import the row; anything else is a row error. It feeds no field.
 */
export const OP_COLUMN = "__op__";

/** The mapping while it is being edited (Apply Mapping, Remove, Add Field): no key required yet. */
export const mappingDraftSchema = z
  .object({
    columns: z
      .array(
        z.object({
          column: z.string().min(1).max(1000),
          fieldId: z.preprocess((v) => (v == null ? "" : v), z.string().max(64)),
          merge: z.preprocess(
            (v) => (v === "" || v == null ? undefined : v),
            z.enum(mergeRules, { error: "Choose overwrite, fill or create only." }).optional(),
          ),
          empty: z.preprocess(
            (v) => (v === "" || v == null ? undefined : v),
            z.enum(emptyRules, { error: "Choose clear or keep." }).optional(),
          ),
        }),
      )
      .max(1000)
      .default([]),
    key: z.preprocess((v) => (v == null ? "" : v), z.string().max(1000)),
  })
  .superRefine((v, ctx) => {
    if (v.key && v.key !== AUTO_KEY && !v.columns.some((c) => c.column === v.key)) {
      ctx.addIssue({
        code: "custom",
        path: ["key"],
        message: "The unique identifier must be one of the file's columns.",
      });
    }
    const seen = new Map<string, number>();
    v.columns.forEach((c, i) => {
      if (!c.fieldId) return;
      if (c.fieldId === OP_COLUMN && c.column === v.key) {
        ctx.addIssue({
          code: "custom",
          path: ["columns", i, "fieldId"],
          message: "The unique identifier column cannot also say what to do.",
        });
        return;
      }
      const first = seen.get(c.fieldId);
      if (first !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["columns", i, "fieldId"],
          message:
            c.fieldId === OP_COLUMN
              ? `“${v.columns[first].column}” already says what to do. Choose one operation column.`
              : `This field is already fed by “${v.columns[first].column}”. Map each field from one column.`,
        });
      } else seen.set(c.fieldId, i);
    });
  });

/** The mapping to run with (Run Import / Next): a key column or generated keys must be chosen. */
export const mappingStepSchema = mappingDraftSchema.superRefine((v, ctx) => {
  if (!v.key)
    ctx.addIssue({
      code: "custom",
      path: ["key"],
      message: "Choose the unique identifier column, or generate unique keys automatically.",
    });
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
    z
      .number({ error: `Enter ${what}.` })
      .int(`Enter a whole number for ${what}.`)
      .min(min, `${what} must be at least ${min}.`)
      .max(max, `${what} must be at most ${max}.`),
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
      z
        .number({ error: "Enter a percentage." })
        .min(0, "The threshold is a percentage from 0 to 100.")
        .max(100, "The threshold is a percentage from 0 to 100."),
    ),
  })
  .superRefine((v, ctx) => {
    const dayMode = v.freq === "monthly" || v.freq === "yearly" ? v.monthlyMode : null;
    if (dayMode === "day" && v.monthDay === undefined)
      ctx.addIssue({ code: "custom", path: ["monthDay"], message: "Enter the day of the month (1–31)." });
    if (v.freq === "yearly" && v.month === undefined)
      ctx.addIssue({ code: "custom", path: ["month"], message: "Choose the month." });
    if (v.freq === "weekly" && v.byDay.length === 0)
      ctx.addIssue({ code: "custom", path: ["byDay"], message: "Choose at least one day of the week." });
    if (v.rangeKind === "count" && v.count === undefined)
      ctx.addIssue({ code: "custom", path: ["count"], message: "Enter after how many runs the schedule ends." });
    if (v.rangeKind === "until") {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v.untilDate))
        ctx.addIssue({ code: "custom", path: ["untilDate"], message: "Choose the end date." });
      else if (v.untilDate < v.startDate)
        ctx.addIssue({
          code: "custom",
          path: ["untilDate"],
          message: "The end date must be on or after the start date.",
        });
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
