import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import type { Db, Sql } from "@/db/client";
import { fields as fieldsTable, syncs, type NewSync, type Sync } from "@/db/schema";
import { exportContactsJson } from "@/lib/contacts/export";
import { createManager, type ManagerWithFields } from "@/lib/managers/queries";
import { encryptSecret } from "@/lib/security/crypto";
import type { SourceSpec } from "@/lib/sources/types";
import { uniqueName } from "@/tests/support/db";

/** A folder for the test's source files (served by the test servers or read as "file" sources). */
export function tempDir(prefix = "reliability-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** N contacts keyed by email; `suffix` changes every row's first name (a different version of the file). */
export function contactsCsv(n: number, suffix = ""): string {
  const rows = Array.from({ length: n }, (_, i) => `person${i}@example.test,Person ${i}${suffix},Last ${i}`);
  return "Email,First Name,Last Name\n" + rows.join("\n") + "\n";
}

export async function newManager(db: Db): Promise<ManagerWithFields> {
  return createManager(db, { name: uniqueName("rel-mgr") });
}

/** Email (key) → Email, First Name, Last Name: the mapping every reliability test uses. */
function standardMapping(m: ManagerWithFields) {
  const id = (label: string) => {
    const f = m.fields.find((x) => x.label === label);
    if (!f) throw new Error(`manager has no field ${label}`);
    return f.id;
  };
  return {
    keyColumn: "Email",
    autoKey: false,
    columns: ["Email", "First Name", "Last Name"].map((column) => ({ column, fieldId: id(column) })),
  };
}

/**
 * An active sync reading `spec` (the shape lib/sources takes), stored the way the wizard stores it: the
 * password / private key encrypted in secret_enc, pins in their columns.
 */
export async function syncFromSpec(
  db: Db,
  m: ManagerWithFields,
  spec: SourceSpec,
  extra: Partial<NewSync> = {},
): Promise<Sync> {
  const secret =
    spec.password || spec.privateKey
      ? { password: spec.password, privateKey: spec.privateKey, passphrase: spec.passphrase }
      : null;
  const [s] = await db
    .insert(syncs)
    .values({
      managerId: m.id,
      name: uniqueName(`rel-${spec.kind}`),
      state: "active",
      wizardStep: 5,
      sourceKind: spec.kind,
      location: spec.location ?? null,
      uploadId: spec.uploadId ?? null,
      login: spec.login ?? null,
      secretEnc: secret ? encryptSecret(secret) : null,
      tlsFingerprint: spec.tlsFingerprint ?? null,
      hostKeyFingerprint: spec.hostKeyFingerprint ?? null,
      allowPrivateHosts: true,
      mapping: standardMapping(m),
      // Fixture files are written just before the run: no settle wait (tests of settling set their own).
      settleSeconds: 0,
      updateExisting: true,
      deleteMissing: true,
      ...extra,
    })
    .returning();
  return s;
}

export async function setSync(db: Db, id: string, values: Partial<NewSync>): Promise<void> {
  await db.update(syncs).set(values).where(eq(syncs.id, id));
}

/** The manager's live contacts as `contacts export --format json` gives them (the user-visible state). */
export async function exportJson(db: Db, sql: Sql, managerId: string): Promise<unknown[]> {
  const fields = await db.select().from(fieldsTable).where(eq(fieldsTable.managerId, managerId));
  let text = "";
  for await (const part of exportContactsJson(sql, managerId, fields)) text += part;
  return JSON.parse(text);
}

/** Every contact row of a manager, deleted ones and hashes included: proves "exactly as before". */
export async function contactsDigest(sql: Sql, managerId: string): Promise<{ n: number; digest: string }> {
  const [r] = await sql<{ n: number; digest: string }[]>`
    select count(*)::int as n, md5(coalesce(string_agg(
      key || '|' || data::text || '|' || coalesce(password_hash, '') || '|' || coalesce(deleted_at::text, '') || '|' || row_hash,
      ',' order by id), '')) as digest
    from contacts where manager_id = ${managerId}`;
  return r;
}

export async function runRow(sql: Sql, runId: string) {
  const [r] = await sql<{ status: string; message: string | null; finished: boolean; rows_read: number }[]>`
    select status, message, finished_at is not null as finished, rows_read::int as rows_read from runs where id = ${runId}`;
  return r;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
