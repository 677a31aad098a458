/**
 * The sync definition document: one JSON description of an import (manager, name, source with its secrets,
 * parse options, mapping with merge rules, options, guards, feed settings, schedule), read by POST /api/syncs,
 * PATCH /api/syncs/:id and `sync create --definition`, written by GET /api/syncs/:id?format=definition and
 * `sync export`. docs/api.md describes it.
 *
 * The document is checked by the wizard's own step schemas (lib/wizard/schemas.ts, the Safety form's parser),
 * and saved by the wizard's own step functions (saveSourceStep, saveMappingStep, activateSync), so a definition
 * the wizard refuses is refused here with the same message, and what is stored is what the wizard would store.
 */
import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { type Field, type GuardLimit, type Guards, runs, type Schedule, type Sync, syncs } from "@/db/schema";
import { parseWith } from "@/lib/api/body";
import { audit, type AuditActor } from "@/lib/audit";
import { AppError, isAppError, notFound } from "@/lib/errors";
import { addField, getManager } from "@/lib/managers/queries";
import { compileSchedule } from "@/lib/schedule/expand";
import { rangeSchema, untilDateOf, untilEndOf } from "@/lib/schedule/pattern";
import { formatRrule, parseRrule } from "@/lib/schedule/rrule";
import { parseAfterImport } from "@/lib/sources/after-import";
import { isSourceError } from "@/lib/sources/errors";
import { assertAllowedPort, resolveAllowed } from "@/lib/sources/hosts";
import { parseLocation } from "@/lib/sources/location";
import { rulesOf } from "@/lib/sync/merge-rules";
import { activeStatuses, emptyRules, encodings, isRemote, labelKey, mergeRules, remoteKinds } from "@/lib/vocabulary";
import { activateSync } from "@/lib/wizard/activate";
import { saveDefinition } from "@/lib/wizard/draft-store";
import { isLinkProblem, readTypedLink } from "@/lib/wizard/location";
import { saveMappingStep } from "@/lib/wizard/mapping-step";
import { parseSafetyForm, SAFETY_SECTION } from "@/lib/wizard/safety-form";
import { nextRunFor } from "@/lib/wizard/schedule";
import {
  AUTO_KEY,
  addFieldSchema,
  delimiterChoiceOf,
  isTimeZone,
  mappingDraftSchema,
  mappingStepSchema,
  OP_COLUMN,
  type SourceStepInput,
  sourceStepSchema,
} from "@/lib/wizard/schemas";
import { readSecretSafe } from "@/lib/wizard/source-secret";
import { saveSourceStep } from "@/lib/wizard/source-step";
import { StepError } from "@/lib/wizard/step-error";

/** `{"saved": true}`: a stored secret (never shown); sent back, it keeps that secret. */
const savedSecret = z.strictObject({ saved: z.literal(true) });
const secret = (max: number) =>
  z
    .union([z.string().max(max), savedSecret])
    .nullable()
    .optional();
/** A count (500), a share ("5%"), or both ([500, "5%"]). */
const limit = z.union([
  z.number(),
  z.string(),
  z
    .array(z.union([z.number(), z.string()]))
    .min(1)
    .max(2),
]);

const sourceSection = z.strictObject({
  kind: z.enum(["upload", ...remoteKinds], { error: `kind is one of upload, ${remoteKinds.join(", ")}.` }),
  location: z.string().max(2000).nullable().optional(),
  login: z.string().max(200).nullable().optional(),
  password: secret(1000),
  privateKey: secret(20_000),
  passphrase: secret(1000),
  /** The TLS certificate (FTPES, FTPS, HTTPS) or SSH host key (SFTP) to pin. */
  fingerprint: z.string().max(200).nullable().optional(),
  folderMode: z.enum(["newest", "every-new"]).default("newest"),
  zipMember: z.string().max(500).nullable().optional(),
  settleSeconds: z.number().default(30),
  readyMarker: z.string().max(50).nullable().optional(),
  afterImport: z
    .union([z.enum(["leave", "delete"]), z.strictObject({ move: z.string().max(500) })], {
      error: 'afterImport is "leave", "delete" or {"move": "folder"}.',
    })
    .default("leave"),
});

const parseSection = z.strictObject({
  hasHeader: z.boolean().default(true),
  delimiter: z.string().max(4).default(","),
  encoding: z.enum(encodings).default("auto"),
});

const mappedColumn = z.strictObject({
  column: z.string().min(1).max(1000),
  /** The field's label (created as a text field when the manager has none); null: the column feeds no field. */
  field: z.string().max(1000).nullable().optional(),
  merge: z.enum(mergeRules).optional(),
  empty: z.enum(emptyRules).optional(),
});

const mappingSection = z.strictObject({
  keyColumn: z.string().max(1000).nullable().optional(),
  autoKey: z.boolean().default(false),
  opColumn: z.string().max(1000).nullable().optional(),
  columns: z.array(mappedColumn).max(1000).default([]),
});

const optionsSection = z.strictObject({
  updateExisting: z.boolean().default(true),
  deleteMissing: z.boolean().default(false),
  alwaysImport: z.boolean().default(false),
  errorEmail: z.string().max(320).nullable().optional(),
});

const guardsSection = z.strictObject({
  threshold: z.string().default("10%"),
  maxDelete: limit.nullable().optional(),
  maxUpdate: limit.nullable().optional(),
  minContacts: z.number().nullable().optional(),
  guardEveryRun: z.boolean().default(false),
});

const scheduleSection = z.strictObject({
  /** Local start, "YYYY-MM-DDTHH:MM", in `tz`. */
  start: z.string(),
  tz: z.string(),
  /** RFC 5545 RRULE body without UNTIL and COUNT (the end is `until` or `count`). */
  rrule: z.string().max(1000),
  /** Last day (local, inclusive), "YYYY-MM-DD". */
  until: z.string().nullable().optional(),
  count: z.number().nullable().optional(),
});

const sections = {
  managerId: z.uuid({ error: "managerId must be a Contact Manager id (a UUID)." }),
  name: z.string().max(1000).optional(),
  draft: z.boolean().default(false),
  source: sourceSection,
  parse: parseSection.prefault({}),
  mapping: mappingSection.nullable().optional(),
  options: optionsSection.prefault({}),
  guards: guardsSection.prefault({}),
  schedule: scheduleSection.nullable().optional(),
};

type Doc = z.output<z.ZodObject<typeof sections>>;

/** Where a wizard field sits in the document. */
const documentPath: Record<string, string> = {
  name: "name",
  location: "source.location",
  protocol: "source.kind",
  login: "source.login",
  password: "source.password",
  privateKey: "source.privateKey",
  passphrase: "source.passphrase",
  fingerprint: "source.fingerprint",
  folderMode: "source.folderMode",
  zipMember: "source.zipMember",
  settleSeconds: "source.settleSeconds",
  readyMarker: "source.readyMarker",
  afterImport: "source.afterImport",
  afterImportFolder: "source.afterImport",
  hasHeader: "parse.hasHeader",
  delimiter: "parse.delimiter",
  delimiterOther: "parse.delimiter",
  encoding: "parse.encoding",
  updateExisting: "options.updateExisting",
  deleteMissing: "options.deleteMissing",
  alwaysImport: "options.alwaysImport",
  errorEmail: "options.errorEmail",
  key: "mapping.keyColumn",
  maxDeletedPct: "guards.maxDelete",
  maxDeletedCount: "guards.maxDelete",
  maxUpdatedPct: "guards.maxUpdate",
  maxUpdatedCount: "guards.maxUpdate",
  minContacts: "guards.minContacts",
  safetyThresholdPct: "guards.threshold",
  newFieldLabel: "mapping.columns",
};

/** Wizard messages that speak of the page, said for the document instead. */
const documentMessage: Record<string, string> = {
  "The unique identifier must be one of the file's columns.":
    "The key column must be one of mapping.columns (list it there; its field may be null).",
  "Choose the unique identifier column, or generate unique keys automatically.":
    "Give mapping.keyColumn, or set mapping.autoKey to true.",
};

function pathOf(wizardPath: (string | number | symbol)[], def: Pick<Doc, "mapping">): string {
  const [head, i, part] = wizardPath.map(String);
  if (head === "columns" && i !== undefined) {
    const columns = def.mapping?.columns ?? [];
    if (Number(i) >= columns.length) return "mapping.opColumn";
    return `mapping.columns.${i}${part === "fieldId" ? ".field" : part ? `.${part}` : ""}`;
  }
  return documentPath[head] ?? head;
}

/** The source as the wizard's first step receives it. `{"saved": true}` is a blank field with a stored secret. */
function sourceStepInput(def: Doc): SourceStepInput {
  const s = def.source;
  const given = (v: unknown) => (typeof v === "string" ? v : "");
  const saved = [s.password, s.privateKey, s.passphrase].some((v) => typeof v === "object" && v !== null);
  const { choice, other } = delimiterChoiceOf(def.parse.delimiter);
  const after = s.afterImport;
  return {
    name: def.name ?? "",
    sourceType: s.kind === "upload" ? "upload" : "remote",
    uploadId: "",
    uploadName: "",
    location: s.location ?? "",
    protocol: s.kind === "upload" ? "auto" : s.kind,
    login: s.login ?? "",
    authMethod: s.kind === "sftp" && s.privateKey != null ? "key" : "password",
    password: given(s.password),
    privateKey: given(s.privateKey),
    passphrase: given(s.passphrase),
    secretSet: saved ? "1" : "",
    folderMode: s.folderMode === "every-new" ? "every_new" : "newest",
    hasHeader: def.parse.hasHeader,
    delimiter: choice,
    delimiterOther: other,
    encoding: def.parse.encoding,
    updateExisting: def.options.updateExisting,
    deleteMissing: def.options.deleteMissing,
    alwaysImport: def.options.alwaysImport,
    errorEmail: def.options.errorEmail ?? "",
    zipMember: s.zipMember ?? "",
    settleSeconds: s.settleSeconds,
    readyMarker: s.readyMarker ?? "",
    afterImport: typeof after === "object" ? "move" : after,
    afterImportFolder: typeof after === "object" ? after.move : "",
    fingerprint: s.fingerprint ?? "",
    trustFingerprint: !!s.fingerprint,
  };
}

/** The mapping as the wizard's mapping form sends it; fields stand for themselves by label until saved. */
function mappingStepInput(def: Doc, fieldId: (label: string) => string) {
  const m = def.mapping!;
  const columns = m.columns.map((c) => ({
    column: c.column,
    fieldId: c.column === m.opColumn ? OP_COLUMN : c.field ? fieldId(c.field) : "",
    merge: c.merge,
    empty: c.empty,
  }));
  if (m.opColumn && !m.columns.some((c) => c.column === m.opColumn))
    columns.push({ column: m.opColumn, fieldId: OP_COLUMN, merge: undefined, empty: undefined });
  return { columns, key: m.autoKey ? AUTO_KEY : (m.keyColumn ?? "") };
}

function limitParts(value: unknown): { pct: string; count: string } | string {
  const parts = Array.isArray(value) ? value : [value];
  const out = { pct: "", count: "" };
  for (const p of parts) {
    if (typeof p === "number") {
      if (out.count) return "Give at most one count.";
      out.count = Number.isInteger(p) && p >= 0 ? String(p) : "x";
    } else if (typeof p === "string" && p.trim().endsWith("%")) {
      if (out.pct) return "Give at most one share.";
      out.pct = p.trim().slice(0, -1).trim() || "x";
    } else return 'A limit is a count (500), a share ("5%"), or both ([500, "5%"]).';
  }
  return out;
}

/** The Safety section as the wizard's form would post it, read by the wizard's own parser. */
function guardsOf(
  def: Doc,
): { ok: true; guards: Guards; thresholdPct: number } | { ok: false; errors: [string, string][] } {
  const g = def.guards;
  const form = new FormData();
  const errors: [string, string][] = [];
  form.set(SAFETY_SECTION, "1");
  for (const [key, name] of [
    ["maxDelete", "maxDeleted"],
    ["maxUpdate", "maxUpdated"],
  ] as const) {
    if (g[key] == null) continue;
    const parts = limitParts(g[key]);
    if (typeof parts === "string") errors.push([`guards.${key}`, parts]);
    else {
      form.set(`${name}Pct`, parts.pct);
      form.set(`${name}Count`, parts.count);
    }
  }
  if (g.minContacts != null) form.set("minContacts", Number.isInteger(g.minContacts) ? String(g.minContacts) : "x");
  if (!g.threshold.trim().endsWith("%")) errors.push(["guards.threshold", 'The threshold is a share such as "10%".']);
  form.set("safetyThresholdPct", g.threshold);
  if (g.guardEveryRun) form.set("guardEveryRun", "on");
  const parsed = parseSafetyForm(form, true)!;
  if (!parsed.ok) for (const [k, m] of Object.entries(parsed.errors)) errors.push([documentPath[k] ?? k, m]);
  if (errors.length || !parsed.ok) return { ok: false, errors };
  return { ok: true, guards: parsed.guards, thresholdPct: parsed.thresholdPct! };
}

/** The stored schedule of the document's schedule: the rule with its end (UNTIL / COUNT) from `until` / `count`. */
function scheduleOf(s: NonNullable<Doc["schedule"]>): Schedule {
  const fail = (path: string, message: string): never => {
    throw new StepError({ [`schedule.${path}`]: message });
  };
  if (!isTimeZone(s.tz)) fail("tz", "Use an IANA time zone such as Europe/Paris (or UTC).");
  let rule: ReturnType<typeof parseRrule>;
  try {
    rule = parseRrule(s.rrule);
  } catch (e) {
    if (isAppError(e)) return fail("rrule", e.message);
    throw e;
  }
  if (rule.until || rule.count !== undefined)
    fail("rrule", "Give the end of the schedule as schedule.until or schedule.count, not in the rule.");
  if (s.until != null && s.count != null) fail("count", "Give until or count, not both.");
  const range = rangeSchema.safeParse(
    s.until != null
      ? { type: "until", date: s.until }
      : s.count != null
        ? { type: "count", count: s.count }
        : { type: "none" },
  );
  if (!range.success) fail(s.until != null ? "until" : "count", range.error.issues[0].message);
  if (s.until != null) {
    if (s.until < s.start.slice(0, 10)) fail("until", "The end date must be on or after the start date.");
    rule.until = untilEndOf(s.until, s.tz);
  }
  if (s.count != null) rule.count = s.count;
  const schedule: Schedule = { start: s.start, tz: s.tz, rrule: formatRrule(rule) };
  try {
    compileSchedule(schedule);
  } catch (e) {
    if (isAppError(e)) fail(e.code === "invalid_schedule_start" ? "start" : "rrule", e.message);
    throw e;
  }
  return schedule;
}

const FILE_FEEDS = new Set(["ftp", "ftpes", "ftps", "sftp"]);

/** Everything the wizard's steps check on their own, said at the document's paths. */
function checkDocument(def: Doc, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) =>
    ctx.addIssue({ code: "custom", path: path.split("."), message: documentMessage[message] ?? message });
  const s = def.source;
  const source = sourceStepSchema.safeParse(sourceStepInput(def));
  if (!source.success)
    // An upload import defined here has no file yet: one is pushed later.
    for (const i of source.error.issues) if (i.path[0] !== "uploadId") issue(pathOf(i.path, def), i.message);
  if (s.kind === "upload") {
    for (const k of ["location", "login", "password", "privateKey", "passphrase", "fingerprint"] as const)
      if (s[k] != null) issue(`source.${k}`, `An upload import has no ${k}: its file is pushed to it.`);
    if (def.schedule) issue("schedule", "Only imports from a server can be scheduled.");
  } else {
    if (s.kind !== "sftp" && (s.privateKey != null || s.passphrase != null))
      issue("source.privateKey", "A private key is for SFTP sources only.");
    if (s.kind === "sftp" && s.privateKey != null && s.password != null)
      issue("source.password", "Give a password or a private key, not both.");
    if (s.fingerprint && (s.kind === "ftp" || s.kind === "http"))
      issue("source.fingerprint", `${s.kind.toUpperCase()} has no certificate or host key to pin.`);
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(s.location ?? "")?.[1].toLowerCase();
    if (scheme && scheme !== s.kind) {
      const auto = readTypedLink(s.location ?? "", "auto");
      issue(
        "source.location",
        isLinkProblem(auto)
          ? auto.message
          : `The link starts with ${scheme}:// but source.kind is ${s.kind}; make them agree.`,
      );
    }
    const link = readTypedLink(s.location ?? "", s.kind);
    if (!isLinkProblem(link) && !link.hasWildcard && s.folderMode === "every-new")
      issue("source.folderMode", "every-new reads a folder: end the location with a wildcard (folder/*.csv).");
  }
  if (!FILE_FEEDS.has(s.kind)) {
    const feed = s.readyMarker != null || s.afterImport !== "leave" || s.settleSeconds !== 30;
    if (feed)
      issue("source", "settleSeconds, readyMarker and afterImport apply to FTP, FTPES, FTPS and SFTP sources only.");
  } else if (typeof s.afterImport === "object") {
    try {
      parseAfterImport(`move:${s.afterImport.move}`);
    } catch (e) {
      if (isSourceError(e)) issue("source.afterImport", e.message);
      else throw e;
    }
  }
  if (def.mapping) {
    const m = def.mapping;
    if (m.autoKey && m.keyColumn) issue("mapping.keyColumn", "Give keyColumn or autoKey, not both.");
    const seen = new Set<string>();
    m.columns.forEach((c, i) => {
      if (seen.has(c.column)) issue(`mapping.columns.${i}.column`, `The column “${c.column}” is listed twice.`);
      seen.add(c.column);
      if (c.column === m.opColumn && c.field)
        issue(`mapping.columns.${i}.field`, "The operation column says what to do; it feeds no field.");
      if (c.field) {
        const label = addFieldSchema.shape.label.safeParse(c.field);
        if (!label.success) issue(`mapping.columns.${i}.field`, label.error.issues[0].message);
      }
    });
    const mapping = (def.draft ? mappingDraftSchema : mappingStepSchema).safeParse(
      mappingStepInput(def, (label) => `label:${labelKey(label)}`),
    );
    if (!mapping.success) for (const i of mapping.error.issues) issue(pathOf(i.path, def), i.message);
  } else if (!def.draft) issue("mapping", "Give the mapping (at least mapping.keyColumn or mapping.autoKey).");
  const guards = guardsOf(def);
  if (!guards.ok) for (const [path, message] of guards.errors) issue(path, message);
  if (def.schedule) {
    try {
      scheduleOf(def.schedule);
    } catch (e) {
      if (!(e instanceof StepError)) throw e;
      for (const [path, message] of Object.entries(e.fieldErrors)) issue(path, message);
    }
  }
}

/** The sync definition document (POST /api/syncs, `sync create --definition`). */
export const syncDefinitionSchema = z.strictObject(sections).superRefine(checkDocument);
export type SyncDefinition = z.input<typeof syncDefinitionSchema>;

/** A partial document (PATCH /api/syncs/:id): the sections given are merged onto the stored definition. */
export const syncDefinitionPatchSchema = z.strictObject({
  managerId: sections.managerId.optional(),
  name: sections.name,
  draft: z.boolean().optional(),
  source: sourceSection.partial().optional(),
  parse: parseSection.partial().optional(),
  mapping: mappingSection.partial().nullable().optional(),
  options: optionsSection.partial().optional(),
  guards: guardsSection.partial().optional(),
  schedule: scheduleSection.nullable().optional(),
});
export type SyncDefinitionPatch = z.input<typeof syncDefinitionPatchSchema>;

/** The document as GET /api/syncs/:id?format=definition answers it: every section, defaults written out. */
export const exportedDefinitionSchema = z.object({
  managerId: z.uuid(),
  name: z.string(),
  draft: z.boolean(),
  source: sourceSection.extend({
    password: savedSecret.optional(),
    privateKey: savedSecret.optional(),
    passphrase: savedSecret.optional(),
  }),
  parse: parseSection,
  mapping: mappingSection.nullable(),
  options: optionsSection,
  guards: guardsSection,
  schedule: scheduleSection.nullable(),
});
export type ExportedDefinition = z.output<typeof exportedDefinitionSchema>;

type Limit = number | string | (number | string)[];
function limitOut(l: GuardLimit | undefined): Limit | null {
  if (!l || (l.count === undefined && l.pct === undefined)) return null;
  if (l.count !== undefined && l.pct !== undefined) return [l.count, `${l.pct}%`];
  return l.count ?? `${l.pct}%`;
}

function afterImportOut(stored: string): ExportedDefinition["source"]["afterImport"] {
  if (stored.startsWith("move:")) return { move: stored.slice("move:".length) };
  return stored === "delete" ? "delete" : "leave";
}

function scheduleOut(schedule: Schedule | null): ExportedDefinition["schedule"] {
  if (!schedule) return null;
  const rule = parseRrule(schedule.rrule);
  const until = rule.until ? untilDateOf(rule.until, schedule.tz) : null;
  const count = rule.count ?? null;
  rule.until = undefined;
  rule.count = undefined;
  return { start: schedule.start, tz: schedule.tz, rrule: formatRrule(rule), until, count };
}

/** A live definition as a document. Secrets are `{"saved": true}` when one is stored, absent otherwise. */
export function documentOf(sync: Sync, fields: Field[]): ExportedDefinition {
  const label = new Map(fields.map((f) => [f.id, f]));
  const stored = readSecretSafe(sync);
  const saved = { saved: true as const };
  const m = sync.mapping;
  let mapping: ExportedDefinition["mapping"] = null;
  if (m) {
    const columns: NonNullable<ExportedDefinition["mapping"]>["columns"] = [];
    if (m.keyColumn && !m.columns.some((c) => c.column === m.keyColumn))
      columns.push({ column: m.keyColumn, field: null });
    for (const c of m.columns) {
      const field = label.get(c.fieldId);
      if (!field) continue;
      const rules = rulesOf(c);
      // An empty Password cell always keeps the password, whatever rule is written.
      columns.push({
        column: c.column,
        field: field.label,
        merge: rules.merge,
        empty: field.type === "password" ? "keep" : rules.empty,
      });
    }
    mapping = { keyColumn: m.keyColumn, autoKey: m.autoKey, opColumn: m.opColumn ?? null, columns };
  }
  const g = sync.guards ?? {};
  const kind = (sync.sourceKind ?? "upload") as ExportedDefinition["source"]["kind"];
  return {
    managerId: sync.managerId,
    name: sync.name,
    draft: sync.state === "draft",
    source: {
      kind,
      location: sync.location,
      login: sync.login,
      ...(stored.password ? { password: saved } : {}),
      ...(stored.privateKey ? { privateKey: saved } : {}),
      ...(stored.passphrase ? { passphrase: saved } : {}),
      fingerprint: kind === "sftp" ? sync.hostKeyFingerprint : sync.tlsFingerprint,
      folderMode: sync.folderMode === "every_new" ? "every-new" : "newest",
      zipMember: sync.zipMember,
      settleSeconds: sync.settleSeconds,
      readyMarker: sync.readyMarker,
      afterImport: afterImportOut(sync.afterImport),
    },
    parse: { hasHeader: sync.hasHeader, delimiter: sync.delimiter, encoding: sync.encoding },
    mapping,
    options: {
      updateExisting: sync.updateExisting,
      deleteMissing: sync.deleteMissing,
      alwaysImport: sync.alwaysImport,
      errorEmail: sync.errorEmail,
    },
    guards: {
      threshold: `${sync.safetyThresholdPct}%`,
      maxDelete: limitOut(g.maxDeleted),
      maxUpdate: limitOut(g.maxUpdated),
      minContacts: g.minContacts ?? null,
      guardEveryRun: !!g.everyRun,
    },
    schedule: scheduleOut(sync.schedule),
  };
}

async function liveSync(db: Db, syncId: string): Promise<Sync> {
  const [row] = await db.select().from(syncs).where(eq(syncs.id, syncId));
  if (!row || row.state === "deleted") throw notFound("import");
  // One-off CLI imports are rewritten from the command line at each `import`; they have no document.
  if (row.sourceKind === "file" || row.mapping?.autoMap)
    throw new AppError(
      "invalid_request",
      "This import is a one-off CLI import (a local file or columns mapped by name at each run): it has no definition document. Run it again with `import`.",
    );
  return row;
}

async function exported(db: Db, sync: Sync): Promise<ExportedDefinition> {
  const manager = await getManager(db, sync.managerId);
  return documentOf(sync, manager?.fields ?? []);
}

/** GET /api/syncs/:id?format=definition, `sync export`: the live definition (an unfinished wizard edit is not in it). */
export async function definitionFromSync(db: Db, syncId: string): Promise<ExportedDefinition> {
  return exported(db, await liveSync(db, syncId));
}

/** A step's field errors as the API's 400: the first one, at its place in the document. */
function definitionError(e: StepError, def: Doc): AppError {
  const [key, message] = Object.entries(e.fieldErrors)[0] ?? ["", e.message];
  const path = key.includes(".") && !key.startsWith("columns.") ? key : pathOf(key.split("."), def);
  const text = documentMessage[message] ?? message;
  return new AppError("invalid_body", path ? `${path}: ${text}` : text);
}

/** The SSRF guard on the document's server, before anything is saved (the wizard's first connection does it). */
async function assertAllowedSource(def: Doc): Promise<void> {
  if (def.source.kind === "upload") return;
  const link = readTypedLink(def.source.location ?? "", def.source.kind);
  if (isLinkProblem(link)) throw new AppError("bad_location", `source.location: ${link.message}`);
  try {
    const loc = parseLocation(link.kind, link.location);
    assertAllowedPort(loc.kind, loc.port);
    await resolveAllowed(loc.host, false);
  } catch (e) {
    if (isSourceError(e))
      throw new AppError(
        e.code === "blocked_host" ? "blocked_host" : "bad_location",
        `source.location: ${e.message}`,
        400,
      );
    throw e;
  }
}

/** The manager's field for each mapped label; labels it does not have are created as text fields. */
async function fieldsFor(db: Db, def: Doc, actor: AuditActor, via: string): Promise<Field[]> {
  const manager = await getManager(db, def.managerId);
  if (!manager) throw new AppError("unknown_manager", "managerId: No Contact Manager has this id.");
  const fields = [...manager.fields];
  for (const [i, c] of (def.mapping?.columns ?? []).entries()) {
    if (!c.field || c.column === def.mapping?.opColumn) continue;
    const found = fields.find((f) => labelKey(f.label) === labelKey(c.field!));
    if (found?.role === "key")
      throw new AppError(
        "invalid_body",
        `mapping.columns.${i}.field: “${found.label}” is the Unique Key field: mapping.keyColumn feeds it.`,
      );
    if (found) continue;
    const created = await addField(db, manager.id, { label: c.field.trim(), type: "text" });
    await audit(db, {
      user: actor,
      action: "field.create",
      targetType: "manager",
      targetId: manager.id,
      details: { label: created.label, type: created.type, from: "import definition", via },
    });
    fields.push(created);
  }
  return fields;
}

/**
 * Save a checked document onto a new sync (`current` null) or an existing one, with the wizard's steps:
 * source, mapping (with the Safety section), then activation with the schedule (a draft stays a draft).
 */
async function saveDocument(db: Db, def: Doc, current: Sync | null, actor: AuditActor, via: string): Promise<Sync> {
  const fields = await fieldsFor(db, def, actor, via);
  // Checked as a whole by checkDocument (an upload without its file included); here only read into values.
  const values = z.object(sourceStepSchema.shape).parse(sourceStepInput(def));
  // An upload import keeps the file it has (pushed, or chosen in the wizard); a new one waits for its first push.
  if (def.source.kind === "upload" && current?.sourceKind === "upload") values.uploadId = current.uploadId ?? "";
  const guards = guardsOf(def);
  if (!guards.ok) throw new AppError("invalid_body", `${guards.errors[0][0]}: ${guards.errors[0][1]}`);
  const safety = { guards: guards.guards, thresholdPct: guards.thresholdPct };
  const schedule = def.schedule ? scheduleOf(def.schedule) : null;
  try {
    let sync = await saveSourceStep(db, {
      managerId: def.managerId,
      syncId: current?.id ?? null,
      userId: actor?.id ?? null,
      values,
      fileLater: true,
    });
    if (def.mapping) {
      const byLabel = new Map(fields.filter((f) => f.role !== "key").map((f) => [labelKey(f.label), f.id]));
      const input = mappingStepInput(def, (label) => byLabel.get(labelKey(label)) ?? "");
      const columns = input.columns.map((c) => c.column);
      sync = await saveMappingStep(db, sync, input, fields, columns, safety);
    } else {
      sync = await saveDefinition(db, sync, { guards: safety.guards, safetyThresholdPct: safety.thresholdPct });
    }
    if (def.draft) {
      if (isRemote(sync.sourceKind)) sync = await saveDefinition(db, sync, { schedule, nextRunAt: null });
      return sync;
    }
    const nextRunAt = schedule ? nextRunFor(schedule, new Date()) : null;
    if (schedule && !nextRunAt)
      throw new StepError({
        "schedule.start": "This schedule has no run after now. Change the start date or the range.",
      });
    return await activateSync(db, sync, {
      schedule,
      nextRunAt,
      guards: safety.guards,
      safetyThresholdPct: safety.thresholdPct,
    });
  } catch (e) {
    if (e instanceof StepError) throw definitionError(e, def);
    if (isAppError(e) && e.code === "run_active")
      throw new AppError("run_active", "This import is running. Change it once the run is over.", 409, e.details);
    throw e;
  }
}

function refuseSavedSecrets(def: Doc): void {
  for (const k of ["password", "privateKey", "passphrase"] as const)
    if (typeof def.source[k] === "object" && def.source[k] !== null)
      throw new AppError(
        "invalid_body",
        `source.${k}: {"saved": true} keeps a stored secret, and a new import has none. Give the ${k} itself (an exported definition never holds secrets).`,
      );
}

/**
 * POST /api/syncs, `sync create --definition`: a new import from a document (any JSON value; checked here).
 * Active, or a draft with `"draft": true`. Nothing is saved when any part is refused.
 */
export async function createSyncFromDefinition(db: Db, input: unknown, actor: AuditActor, via = "api"): Promise<Sync> {
  const def = parseWith(syncDefinitionSchema, input) as Doc;
  refuseSavedSecrets(def);
  await assertAllowedSource(def);
  const sync = await db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const saved = await saveDocument(t, def, null, actor, via);
    await audit(t, {
      user: actor,
      action: "sync.create",
      targetType: "sync",
      targetId: saved.id,
      details: { name: saved.name, kind: saved.sourceKind, location: saved.location, managerId: saved.managerId, via },
    });
    if (!def.draft)
      await audit(t, {
        user: actor,
        action: "sync.activate",
        targetType: "sync",
        targetId: saved.id,
        details: { name: saved.name, schedule: saved.schedule, via },
      });
    return saved;
  });
  return sync;
}

/** A stored document with a partial one laid over it: sections merged key by key, `mapping.columns` replaced. */
export function mergeDefinition(
  stored: ExportedDefinition,
  patch: z.output<typeof syncDefinitionPatchSchema>,
): unknown {
  const out: Record<string, unknown> = { ...stored };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    const base = (stored as Record<string, unknown>)[k];
    const isSection = v !== null && typeof v === "object" && !Array.isArray(v) && k !== "schedule";
    out[k] = isSection && base && typeof base === "object" ? { ...base, ...v } : v;
  }
  return out;
}

/**
 * PATCH /api/syncs/:id: the stored definition with the given parts changed, checked as a whole and saved in one
 * transaction (all or nothing). 409 while a run of the import is queued or running (as the wizard's finish), or
 * while the wizard holds an unfinished edit of it.
 */
export async function updateSyncFromDefinition(
  db: Db,
  syncId: string,
  input: unknown,
  actor: AuditActor,
  via = "api",
): Promise<Sync> {
  // The patch as sent, not as parsed: parsing would fill in the defaults of the parts it leaves out.
  parseWith(syncDefinitionPatchSchema, input);
  const patch = input as SyncDefinitionPatch;
  const before = await liveSync(db, syncId);
  const stored = await exported(db, before);
  const def = parseWith(syncDefinitionSchema, mergeDefinition(stored, patch)) as Doc;
  if (def.managerId !== stored.managerId)
    throw new AppError(
      "invalid_body",
      "managerId: An import stays with its Contact Manager. To copy it to another one, POST its definition there.",
    );
  if (def.draft && !stored.draft)
    throw new AppError("invalid_body", "draft: An active import cannot become a draft again.");
  await assertAllowedSource(def);
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const [row] = await t.select().from(syncs).where(eq(syncs.id, syncId)).for("update");
    if (!row || row.state === "deleted") throw notFound("import");
    if (row.updatedAt.getTime() !== before.updatedAt.getTime())
      throw new AppError("edit_conflict", "This import was changed meanwhile. Read it again, then send the change.");
    const [busy] = await t
      .select({ id: runs.id })
      .from(runs)
      .where(and(eq(runs.syncId, syncId), inArray(runs.status, [...activeStatuses])));
    if (busy)
      throw new AppError("run_active", "This import is running. Change it once the run is over.", 409, {
        runId: busy.id,
      });
    if (row.pendingEdit)
      throw new AppError(
        "edit_conflict",
        "This import has unfinished changes in the wizard. Finish or discard them there, then change it here.",
      );
    const saved = await saveDocument(t, def, row, actor, via);
    await audit(t, {
      user: actor,
      action: row.state === "draft" && saved.state === "active" ? "sync.activate" : "sync.edit",
      targetType: "sync",
      targetId: saved.id,
      details: { name: saved.name, changed: Object.keys(patch), via },
    });
    return saved;
  });
}
