import type postgres from "postgres";
import { lookUpContactsById } from "./apply";
import type { RowError } from "./validate";

type Tx = postgres.Sql;

export type PlanOptions = {
  managerId: string;
  /** Field ids the file feeds: other fields of an existing contact are kept as they are. */
  mappedFieldIds: string[];
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
 * Duplicate keys (SPEC §5.2): the first occurrence of a key (by line, valid or not) wins; later ones become
 * invalid rows with an error. Only keys the KeyFilter flagged while staging can repeat (`candidates`, or
 * null when there were too many to keep: then the rows flagged `maybe_dup` name them), so one scan of the
 * stage finds the real duplicates. Returns the first `limit` errors in line order and the total.
 */
export async function markDuplicates(tx: Tx, keyColumn: string, limit: number, candidates: string[] | null): Promise<{ total: number; errors: RowError[] }> {
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
 * Generated keys (SPEC §4): a random 9-digit code per valid row, unique in the manager. Collisions (with
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
 * Compare the staged file with the manager in one pass (a full hash join of the stage with the manager's
 * contacts). The `plan` table holds what changes:
 * - insert: valid row with a new key; revive: key of a contact deleted earlier (counts as created);
 * - update: live contact whose mapped fields or password differ; rehash: same data, but the stored row
 *   hash comes from another mapping or an older format (only the hash is refreshed, not a change);
 * - delete (delete-missing): live contact whose key is not in the file. Every staged key counts as
 *   present, also those of invalid rows: a typo never deletes a contact.
 * A row whose hash equals the contact's row_hash is unchanged without looking at its data, so a re-import
 * of a big, mostly unchanged file builds `data` (field id → value, from the staged values array, empty
 * cells left out) only for the rows that differ. Fields the file does not feed
 * keep their values and never make a row "changed". `valid` is the number of valid staged rows.
 */
export async function buildPlan(tx: Tx, o: PlanOptions & { valid: number; countExisting: boolean }): Promise<Plan> {
  // Right after a big import the statistics of `contacts` are stale (a manager looks empty), and a
  // nested-loop join would probe the stage once per contact (quadratic): the comparison uses hash joins.
  await tx`set local enable_nestloop = off`;
  await tx`
    create temp table plan on commit drop as
    select s.line, s.key, s.key_norm,
      case when s.vals is not null
        then jsonb_strip_nulls(jsonb_object(${o.mappedFieldIds}::text[], array(select jsonb_array_elements_text(s.vals::jsonb))))
      end as data,
      s.row_hash, s.pw, s.pw_mac, null::text as pw_hash, c.id as contact_id,
      case when s.line is null then 'delete' when c.id is null then 'insert' when c.deleted_at is not null then 'revive' else 'update' end as action,
      s.pw is not null and (c.id is null or c.deleted_at is not null or c.password_mac is distinct from s.pw_mac) as need_hash
    from stage s
    full join (select id, key_norm, row_hash, password_mac, deleted_at from contacts where manager_id = ${o.managerId}) c
      on c.key_norm = s.key_norm
    where (s.valid and (c.id is null or c.deleted_at is not null or c.row_hash is distinct from s.row_hash))
      or (${o.deleteMissing}::boolean and s.line is null and c.deleted_at is null)`;
  await lookUpContactsById(tx);
  await tx`
    update plan p set action = 'rehash' from contacts c
    where p.action = 'update' and c.id = p.contact_id
      and (c.data = p.data or (c.data - ${o.mappedFieldIds}::text[]) || p.data = c.data)
      and (p.pw_mac is null or p.pw_mac is not distinct from c.password_mac)`;
  const byAction = await tx<{ action: string; n: number }[]>`select action, count(*)::int as n from plan group by action`;
  const count = (action: string) => byAction.find((r) => r.action === action)?.n ?? 0;
  let existing: number | null = null;
  if (o.countExisting) {
    [{ existing }] = await tx<{ existing: number }[]>`
      select count(*)::int as existing from contacts where manager_id = ${o.managerId} and deleted_at is null`;
  }
  const created = count("insert") + count("revive");
  const changed = count("update");
  const updated = o.updateExisting ? changed : 0;
  return {
    existing,
    created,
    updated,
    deleted: count("delete"),
    unchanged: o.valid - created - updated,
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

/** The plan of the first import into a manager without contacts, written straight into `contacts` (rows.ts). */
export function directPlan(valid: number): Plan {
  return { existing: 0, created: valid, updated: 0, deleted: 0, unchanged: 0, notUpdated: 0 };
}

export function safetyRuleApplies(o: { trigger: string; deleteMissing: boolean }): boolean {
  return o.trigger === "schedule" && o.deleteMissing;
}

/**
 * Safety rule (SPEC §5.4): a scheduled run with delete-missing must not change (update or delete) more
 * than the threshold share of the existing contacts. Returns the reason when the run must be blocked.
 */
export function safetyBlock(plan: Plan, o: { trigger: string; deleteMissing: boolean; thresholdPct: number }): string | null {
  if (!safetyRuleApplies(o) || !plan.existing) return null;
  const changed = plan.updated + plan.deleted;
  // In whole numbers (the threshold has two decimals): (7 / 100) * 100 is 7.000000000000001 in floating point,
  // which made a change of exactly the threshold "more than" it.
  if (changed * 10_000 <= Math.round(o.thresholdPct * 100) * plan.existing) return null;
  const pct = (changed / plan.existing) * 100;
  return (
    `Not applied: this scheduled import would change ${changed.toLocaleString("en")} of ${plan.existing.toLocaleString("en")} contacts ` +
    `(${plan.updated.toLocaleString("en")} updated, ${plan.deleted.toLocaleString("en")} deleted — ${pct.toFixed(1)}%), more than the ` +
    `safety threshold of ${o.thresholdPct}%. A staff member can approve this run from the imports list.`
  );
}
