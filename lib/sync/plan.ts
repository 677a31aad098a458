import type postgres from "postgres";
import type { MergeRule } from "@/db/schema";
import { lookUpContactsById, throughKeyIndex } from "@/lib/sync/apply";
import { guardBlockMessage, guardsInForce, guardViolations, type GuardsInForce } from "@/lib/sync/guards";
import { allDefault, type FieldGroups } from "@/lib/sync/merge-rules";
import { mergedDataSql, passwordUpdateSql } from "@/lib/sync/merge-sql";
import type { RowError } from "@/lib/sync/validate";

type Tx = postgres.Sql;

export type PlanOptions = {
  managerId: string;
  /** Field ids the file feeds: other fields of an existing contact are kept as they are. */
  mappedFieldIds: string[];
  /** The mapped fields by merge rule (merge-rules.ts). */
  groups: FieldGroups;
  /** The Password field's merge rule when a column feeds it. */
  passwordMerge: MergeRule | null;
  updateExisting: boolean;
  deleteMissing: boolean;
};

export type Plan = {
  /** Live contacts of the manager before the run; counted only when the safety rule needs it (else null). */
  existing: number | null;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  /** Changed rows left alone because "update existing" is off (counted in `unchanged`). */
  notUpdated: number;
};

/**
 * Duplicate keys: the first occurrence of a key (by line, valid or not) wins; later ones become
 * invalid rows with an error. Only keys the KeyFilter flagged while staging can repeat (`candidates`, or
 * null when there were too many to keep: then the rows flagged `maybe_dup` name them), so one scan of the
 * stage finds the real duplicates. Returns the first `limit` errors in line order and the total.
 */
export async function markDuplicates(
  tx: Tx,
  keyColumn: string,
  limit: number,
  candidates: string[] | null,
): Promise<{ total: number; errors: RowError[] }> {
  if (candidates?.length === 0) return { total: 0, errors: [] };
  const firsts = candidates
    ? tx`select key_norm, min(line) as first from stage where key_norm = any(${candidates}::text[]) group by key_norm having count(*) > 1`
    : tx`select key_norm, min(line) as first from stage
         where key_norm in (select key_norm from stage where maybe_dup) group by key_norm having count(*) > 1`;
  const [{ n }] = await tx<{ n: number }[]>`
    with firsts as (${firsts}), marked as (
      update stage s set valid = false, dup_of = f.first from firsts f
      where s.key_norm = f.key_norm and s.line <> f.first returning 1
    ) select count(*)::int as n from marked`;
  if (n === 0) return { total: 0, errors: [] };
  const rows = await tx<{ line: number; key: string; dup_of: number }[]>`
    select line, key, dup_of from stage where dup_of is not null order by line limit ${limit}`;
  return {
    total: n,
    errors: rows.map((r) => ({
      line: r.line,
      column: keyColumn,
      message: `Duplicate key "${r.key.length > 60 ? r.key.slice(0, 60) + "…" : r.key}" (first on line ${r.dup_of}); this line was skipped.`,
    })),
  };
}

/**
 * Generated keys: a random 9-digit code per valid row, unique in the manager. Collisions (with
 * existing contacts or within the file) are redrawn until none is left; with 900 million codes this takes
 * one or two rounds.
 */
export async function generateKeys(tx: Tx, managerId: string): Promise<void> {
  await tx`update stage set key = (100000000 + floor(random() * 900000000))::bigint::text where valid`;
  await tx`update stage set key_norm = key where valid`;
  for (let round = 0; round < 50; round++) {
    const res = await tx`
      with clash as (
        select line from (
          select line, row_number() over (partition by key_norm order by line) as n from stage where valid
        ) x where n > 1
        union
        select s.line from stage s join contacts c on c.manager_id = ${managerId} and c.key_norm = s.key_norm where s.valid
      )
      update stage s set key = k.key, key_norm = k.key
      from (select line, (100000000 + floor(random() * 900000000))::bigint::text as key from clash) k
      where s.line = k.line`;
    if (res.count === 0) return;
  }
  throw new Error("could not generate unique keys");
}

/**
 * Compare the staged file with the manager. The `plan` table holds what changes:
 * - insert: valid row with a new key; revive: key of a contact deleted earlier (counts as created);
 * - update: live contact whose mapped fields or password differ; rehash: same data, but the stored row
 *   hash comes from another mapping or an older format (only the hash is refreshed, not a change);
 * - delete (delete-missing): live contact whose key is not in the file: the `missing` table, the known
 *   contacts no row named (known-contacts.ts), or, for a manager compared in SQL, the contacts a full join
 *   of the stage with the manager's finds without a row. Every key the file names counts as present, also
 *   those of invalid rows: a typo never deletes a contact;
 * - delete (operation column): a valid row saying "delete" whose key names a live contact; one naming no
 *   live contact changes nothing (unchanged).
 * Rows whose key and row hash matched a known contact never reached the stage (unchanged), and a staged row
 * whose hash equals the contact's row_hash is unchanged without looking at its data, so `data` (field id →
 * value, from the staged values array, empty cells left out) is built only for the rows that differ. Fields
 * the file does not feed keep their values and never make a row "changed". `valid` is the number of valid
 * rows, staged or not; `live` the manager's live contacts (known when the file was compared in Node).
 */
export async function buildPlan(
  tx: Tx,
  o: PlanOptions & { valid: number; countExisting: boolean; live: number | null; staged: number },
): Promise<Plan> {
  // A few staged rows find their contacts by index lookups. Many use a hash join, reading the manager's
  // contacts through the key index: right after a big import the statistics of `contacts` are stale (a
  // manager looks empty), and the planner's nested loop would probe the stage once per contact (quadratic).
  const fewRows = o.live !== null && o.staged * 4 < o.live;
  // Not compared in Node (a manager too big for the index): one full join also finds the missing contacts.
  const inSql = o.live === null;
  if (fewRows) await lookUpContactsById(tx);
  else await tx`set local enable_nestloop = off`;
  await throughKeyIndex(
    tx,
    () => tx`
    create temp table plan on commit drop as
    select s.line, s.key, s.key_norm,
      case when s.vals is not null
        then jsonb_strip_nulls(jsonb_object(${o.mappedFieldIds}::text[], s.vals))
      end as data,
      s.row_hash, s.pw, s.pw_mac, null::text as pw_hash, c.id as contact_id,
      case when s.line is null or s.del then 'delete' when c.id is null then 'insert' when c.deleted_at is not null then 'revive' else 'update' end as action,
      s.pw is not null and (c.id is null or c.deleted_at is not null
        or (c.password_mac is distinct from s.pw_mac and ${passwordUpdateSql(tx, o.passwordMerge)})) as need_hash
    from stage s
    ${inSql ? tx`full join` : tx`left join`} (select id, key_norm, row_hash, password_mac, deleted_at from contacts where manager_id = ${o.managerId}) c
      on c.key_norm = s.key_norm
    where (s.valid and not s.unchanged
      and ((not s.del and (c.id is null or c.deleted_at is not null or c.row_hash is distinct from s.row_hash))
        or (s.del and c.id is not null and c.deleted_at is null)))
      or (${inSql && o.deleteMissing}::boolean and s.line is null and c.deleted_at is null)`,
  );
  await lookUpContactsById(tx);
  if (o.deleteMissing && !inSql)
    await throughKeyIndex(
      tx,
      () => tx`
      insert into plan (contact_id, action, need_hash)
      select c.id, 'delete', false from missing m
      join contacts c on c.manager_id = ${o.managerId} and c.key_norm = m.key_norm
      where c.deleted_at is null`,
    );
  // A row whose only differences fall on fields its rules may not write is unchanged too.
  if (allDefault(o.groups))
    await tx`
      update plan p set action = 'rehash' from contacts c
      where p.action = 'update' and c.id = p.contact_id
        and (c.data = p.data or (c.data - ${o.mappedFieldIds}::text[]) || p.data = c.data)
        and not p.need_hash`;
  else
    await tx`
      update plan p set action = 'rehash' from contacts c
      where p.action = 'update' and c.id = p.contact_id
        and ${mergedDataSql(tx, o.mappedFieldIds, o.groups)} = c.data and not p.need_hash`;
  const byAction = await tx<
    { action: string; from_file: boolean; n: number }[]
  >`select action, line is not null as from_file, count(*)::int as n from plan group by 1, 2`;
  const count = (action: string) => byAction.filter((r) => r.action === action).reduce((n, r) => n + r.n, 0);
  // Deletes asked for by the operation column: valid rows, so not "unchanged".
  const deletedByRows = byAction.find((r) => r.action === "delete" && r.from_file)?.n ?? 0;
  let existing: number | null = o.countExisting ? o.live : null;
  if (o.countExisting && existing === null) {
    [{ existing }] = await throughKeyIndex(
      tx,
      () => tx<{ existing: number }[]>`
        select count(*)::int as existing from contacts where manager_id = ${o.managerId} and deleted_at is null`,
    );
  }
  const created = count("insert") + count("revive");
  const changed = count("update");
  const updated = o.updateExisting ? changed : 0;
  return {
    existing,
    created,
    updated,
    deleted: count("delete"),
    unchanged: o.valid - created - updated - deletedByRows,
    notUpdated: o.updateExisting ? 0 : changed,
  };
}

/** What a staff member saw and approved: the blocked run's file and planned changes. */
export type ApprovedPlan = { sha256: string | null; updated: number; deleted: number };

/**
 * An approval run skips the safety rule, but only for what was approved: the same file (by content), and no
 * more updates or deletions than the blocked run planned. The file or the manager (another import) may have
 * changed since; the run is then blocked again with the new counts, for a staff member to look at anew.
 */
export function approvalBlock(plan: Plan, approved: ApprovedPlan, sha256: string | undefined): string | null {
  const approvedText = `${approved.updated.toLocaleString("en")} updated, ${approved.deleted.toLocaleString("en")} deleted`;
  const nowText = `${plan.updated.toLocaleString("en")} updated, ${plan.deleted.toLocaleString("en")} deleted`;
  if (approved.sha256 && sha256 !== approved.sha256)
    return (
      `Not applied: the file has changed since the run you approved was blocked (that plan: ${approvedText}). ` +
      `With this file the import would make ${nowText}. Approve this run if that is right.`
    );
  if (plan.updated > approved.updated || plan.deleted > approved.deleted)
    return (
      `Not applied: the Contact Manager has changed since the run you approved was blocked, and this import would now ` +
      `make ${nowText} — more than the ${approvedText} approved. Approve this run if that is right.`
    );
  return null;
}

/**
 * The plan of the first import into a manager without contacts, written straight into `contacts` (rows.ts).
 * Delete rows (operation column) find no contact there: they change nothing and count as unchanged.
 */
export function directPlan(valid: number, deletes = 0): Plan {
  return { existing: 0, created: valid - deletes, updated: 0, deleted: 0, unchanged: deletes, notUpdated: 0 };
}

/**
 * The seed safety rule alone (a scheduled run with delete-missing changing more than the threshold share):
 * the guards' change threshold with no other guard set. Returns the reason when the run must be blocked.
 */
export function safetyBlock(
  plan: Plan,
  o: { trigger: string; deleteMissing: boolean; thresholdPct: number },
): string | null {
  return guardBlock(plan, guardsInForce({ thresholdPct: o.thresholdPct }, o));
}

/** The reason a plan breaks the guards in force (guards.ts), or null when it may be applied. */
export function guardBlock(plan: Plan, guards: GuardsInForce | null): string | null {
  if (!guards || plan.existing === null) return null;
  const violations = guardViolations({ ...plan, existing: plan.existing }, guards);
  return violations.length ? guardBlockMessage(violations, guards.scheduled) : null;
}
