import path from "node:path";
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import {
  type Field,
  fields,
  type Guards,
  type RuleByLabel,
  syncs,
  type FieldType,
  type Mapping,
  type NewSync,
  type SourceKind,
  type Sync,
} from "@/db/schema";
import { AppError } from "@/lib/errors";
import { encryptSecret } from "@/lib/security/crypto";
import { kindOfLocation, parseLocation, splitCredentials } from "@/lib/sources/location";
import { formatAfterImport, parseAfterImport } from "@/lib/sources/after-import";
import { localPath } from "@/lib/sources/file";
import { normalizeMarker } from "@/lib/sources/readiness";
import { withRulesByLabel } from "@/lib/sync/merge-rules";
import { checkDelimiter } from "@/lib/sync/parse";
import { labelKey } from "@/lib/vocabulary";

export type OneOffImport = {
  managerId: string;
  file?: string;
  url?: string;
  login?: string;
  password?: string;
  delimiter: string;
  hasHeader: boolean;
  encoding: Sync["encoding"];
  keyColumn: string | null;
  autoKey: boolean;
  /** "Column=Field label" pairs; empty: every column maps to the field of the same label. */
  map: { column: string; field: string }[];
  updateExisting: boolean;
  deleteMissing: boolean;
  alwaysImport: boolean;
  allowPrivateHosts: boolean;
  /** Pins the TLS certificate (ftpes/ftps/https) or the SFTP host key. */
  fingerprint?: string;
  /** ZIP archives with several members: the one to read (name or wildcard). */
  zipMember?: string | null;
  /** FTP/FTPS/SFTP: settle time in seconds (default 30) and ready-marker suffix. */
  settleSeconds?: number;
  readyMarker?: string | null;
  /** FTP/FTPS/SFTP: "leave" (default), "move:FOLDER" or "delete". */
  afterImport?: string;
  /** The operation column of a delta file. */
  opColumn?: string | null;
  /** Guards given on the command line (`given` says which), and the change threshold (default 10%). */
  guards?: Guards;
  thresholdPct?: number;
  /** Merge and empty-cell rules by field label (null: every field). */
  rules?: RuleByLabel[];
};

/**
 * The hidden sync behind one-off (CLI) imports: repeated imports of the same source into the same manager
 * reuse one sync (origin "cli", origin_key = manager + source identity), so "unchanged" is detected across
 * them. When the options change, the last fingerprint is forgotten so the new options take effect.
 */
export async function ensureOneOffSync(db: Db, input: OneOffImport): Promise<Sync> {
  if (!!input.file === !!input.url) throw new AppError("invalid_source", "Give either a file or a URL.");
  if (!input.autoKey && !input.keyColumn)
    throw new AppError("key_missing", "Name the key column, or generate keys automatically.");
  checkDelimiter(input.delimiter);

  let kind: SourceKind;
  let location: string;
  let login = input.login;
  let password = input.password;
  if (input.file) {
    kind = "file";
    location = localPath(input.file);
  } else {
    const split = splitCredentials(input.url!);
    kind = kindOfLocation(split.location);
    location = split.location;
    parseLocation(kind, location); // refuses malformed links with a clear message
    login ??= split.login;
    password ??= split.password;
  }
  const folderKinds = kind === "ftp" || kind === "ftpes" || kind === "ftps" || kind === "sftp";
  if (!folderKinds && (input.readyMarker || (input.afterImport && input.afterImport !== "leave")))
    throw new AppError(
      "invalid_request",
      "--ready-marker and --after-import work with ftp://, ftpes://, ftps:// and sftp:// links only.",
    );
  const originKey = `${input.managerId}|${kind}|${location}`;

  const mapping: Mapping = {
    keyColumn: input.autoKey ? null : input.keyColumn,
    autoKey: input.autoKey,
    columns: [],
    autoMap: input.map.length === 0,
    ...(input.opColumn ? { opColumn: input.opColumn } : {}),
  };
  const rules = input.rules ?? [];
  if (rules.some((r) => r.empty === "clear" && r.field !== null && r.field.trim().toLowerCase() === "password"))
    throw new AppError(
      "rule_invalid",
      "An empty Password cell always keeps the contact's password: it cannot clear it.",
    );
  if (input.map.length) {
    const list = await db.select().from(fields).where(eq(fields.managerId, input.managerId));
    const resolved = await resolveMapFields(db, input.managerId, input.map, list);
    const byId = new Map(list.map((f) => [f.id, f]));
    const { columns, unmatched } = withRulesByLabel(resolved, rules, (id) => byId.get(id));
    if (unmatched.length)
      throw new AppError(
        "rule_field_missing",
        `No column is mapped to ${unmatched.map((l) => `"${l}"`).join(", ")}: a merge or empty-cell rule needs a mapped field.`,
      );
    mapping.columns = columns;
  } else if (rules.length) mapping.autoRules = rules;

  const isSftp = kind === "sftp";
  const values = {
    managerId: input.managerId,
    name: `CLI import: ${kind === "file" ? path.basename(location) : location}`,
    state: "active" as const,
    origin: "cli" as const,
    originKey,
    sourceKind: kind,
    location,
    login: login ?? null,
    secretEnc: password ? encryptSecret({ password }) : null,
    hasHeader: input.hasHeader,
    delimiter: input.delimiter,
    encoding: input.encoding,
    mapping,
    updateExisting: input.updateExisting && !input.autoKey,
    deleteMissing: input.deleteMissing && !input.autoKey,
    alwaysImport: input.alwaysImport,
    allowPrivateHosts: input.allowPrivateHosts,
    tlsFingerprint: !isSftp ? (input.fingerprint ?? null) : null,
    zipMember: input.zipMember ?? null,
    settleSeconds: input.settleSeconds ?? 30,
    readyMarker: normalizeMarker(input.readyMarker),
    afterImport: formatAfterImport(parseAfterImport(input.afterImport)),
    guards: input.guards ?? {},
    safetyThresholdPct: input.thresholdPct ?? 10,
  } satisfies Partial<NewSync>;

  const [existing] = await db.select().from(syncs).where(eq(syncs.originKey, originKey));
  if (!existing) {
    const [created] = await db
      .insert(syncs)
      .values({ ...values, hostKeyFingerprint: isSftp ? (input.fingerprint ?? null) : null })
      .returning();
    return created;
  }
  const optionsChanged =
    stableJson([
      existing.hasHeader,
      existing.delimiter,
      existing.encoding,
      existing.mapping,
      existing.updateExisting,
      existing.deleteMissing,
      existing.login,
      existing.zipMember,
    ]) !==
    stableJson([
      values.hasHeader,
      values.delimiter,
      values.encoding,
      values.mapping,
      values.updateExisting,
      values.deleteMissing,
      values.login,
      values.zipMember,
    ]);
  const [updated] = await db
    .update(syncs)
    .set({
      ...values,
      // An explicit --fingerprint replaces the pinned host key; otherwise the key pinned on first use stays.
      hostKeyFingerprint: isSftp ? (input.fingerprint ?? existing.hostKeyFingerprint) : null,
      lastFingerprint: optionsChanged ? null : existing.lastFingerprint,
      state: "active",
      deletedAt: null,
      updatedAt: new Date(),
    })
    .where(eq(syncs.id, existing.id))
    .returning();
  return updated;
}

/** JSON with object keys sorted (jsonb does not keep key order). */
function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, val) =>
    val && typeof val === "object" && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val).sort(([a], [b]) => (a < b ? -1 : 1)))
      : val,
  );
}

/** --map "Column=Field": fields by label (case-insensitive); a missing field is created as text. */
async function resolveMapFields(
  db: Db,
  managerId: string,
  map: { column: string; field: string }[],
  list: Field[],
): Promise<Mapping["columns"]> {
  const byLabel = new Map(list.map((f) => [labelKey(f.label), f]));
  let position = list.reduce((m, f) => Math.max(m, f.position), -1);
  const out: Mapping["columns"] = [];
  for (const { column, field } of map) {
    let f = byLabel.get(labelKey(field));
    if (!f) {
      const type: FieldType = "text";
      [f] = await db.insert(fields).values({ managerId, label: field.trim(), type, position: ++position }).returning();
      byLabel.set(labelKey(f.label), f);
      list.push(f);
    }
    out.push({ column, fieldId: f.id });
  }
  return out;
}
