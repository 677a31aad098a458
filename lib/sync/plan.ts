import type postgres from "postgres";
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
  /** Live contacts of the manager before the run. */
  existing: number;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  /** Changed rows left alone because "update existing" is off (counted in `unchanged`). */
  notUpdated: number;
};

/**
 * Duplicate keys (SPEC §5.2): the first occurrence of a key (by line, valid or not) wins; later ones become
 * invalid rows with an error. Set-based, so no key set is held in memory. Returns the first `limit` errors
 * in line order and the total.
 */
export async function markDuplicates(tx: Tx, keyColumn: string, limit: number): Promise<{ total: number; errors: RowError[] }> {
  const [{ n }] = await tx<{ n: number }[]>`
    with firsts as (
      select key_norm, min(line) as first from stage where key_norm is not null group by key_norm having count(*) > 1
    ), marked as (
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

/** Staged rows whose key matches no contact of the manager (live or deleted): they become new contacts. */
export const NEW_ROWS = (managerId: string) =>
  `s.valid and not exists (select 1 from contacts c where c.manager_id = '${managerId.replace(/'/g, "")}' and c.key_norm = s.key_norm)`;

/**
 * Compare the staged file with the manager (set-based, hash joins). The `plan` table holds only rows that
 * change an existing contact: update (live contact, mapped fields or password differ) and revive (key of a
 * contact deleted earlier: counts as created). New keys are inserted straight from the stage, so a first
 * import does not copy every row a second time. A row is unchanged when the mapped fields and the password
 * (by its MAC) are equal; fields the file does not feed keep their values and never make a row "changed".
 */
export async function buildPlan(tx: Tx, o: PlanOptions): Promise<Plan> {
  await tx`analyze stage`;
  // Right after a big import the statistics of `contacts` are stale (a manager looks empty), and a
  // nested-loop anti-join would scan the stage once per contact (quadratic): comparisons use hash joins.
  await tx`set local enable_nestloop = off`;
  const mapped = o.mappedFieldIds;
  await tx`
    create temp table plan on commit drop as
    select s.line, s.key, s.data, s.pw, s.pw_mac, null::text as pw_hash, c.id as contact_id,
      case when c.deleted_at is not null then 'revive' else 'update' end as action,
      s.pw is not null and (c.deleted_at is not null or c.password_mac is distinct from s.pw_mac) as need_hash
    from stage s
    join contacts c on c.manager_id = ${o.managerId} and c.key_norm = s.key_norm
    where s.valid and (
      c.deleted_at is not null
      or not (
        (c.data = s.data or (c.data - ${mapped}::text[]) || s.data = c.data)
        and (s.pw_mac is null or s.pw_mac is not distinct from c.password_mac)
      )
    )`;
  const [counts] = await tx.unsafe<{ valid: number; inserts: number; revives: number; updates: number; existing: number }[]>(
    `select
      (select count(*)::int from stage where valid) as valid,
      (select count(*)::int from stage s where ${NEW_ROWS(o.managerId)}) as inserts,
      (select count(*)::int from plan where action = 'revive') as revives,
      (select count(*)::int from plan where action = 'update') as updates,
      (select count(*)::int from contacts where manager_id = $1 and deleted_at is null) as existing`,
    [o.managerId],
  );
  let deleted = 0;
  if (o.deleteMissing) {
    // Every staged key counts as present, also those of invalid rows: a typo never deletes a contact.
    // Materialised once; apply soft-deletes exactly these ids.
    const res = await tx`
      create temp table gone on commit drop as
      select c.id from contacts c
      where c.manager_id = ${o.managerId} and c.deleted_at is null
        and not exists (select 1 from stage s where s.key_norm = c.key_norm)`;
    deleted = res.count;
    await tx`analyze gone`;
  }
  await tx`analyze plan`;
  const created = counts.inserts + counts.revives;
  const updated = o.updateExisting ? counts.updates : 0;
  const notUpdated = o.updateExisting ? 0 : counts.updates;
  return {
    existing: counts.existing,
    created,
    updated,
    deleted,
    unchanged: counts.valid - created - updated,
    notUpdated,
  };
}

/**
 * Safety rule (SPEC §5.4): a scheduled run with delete-missing must not change (update or delete) more
 * than the threshold share of the existing contacts. Returns the reason when the run must be blocked.
 */
export function safetyBlock(plan: Plan, o: { trigger: string; deleteMissing: boolean; thresholdPct: number }): string | null {
  if (o.trigger !== "schedule" || !o.deleteMissing || plan.existing === 0) return null;
  const changed = plan.updated + plan.deleted;
  const pct = (changed / plan.existing) * 100;
  if (pct <= o.thresholdPct) return null;
  return (
    `Not applied: this scheduled import would change ${changed.toLocaleString("en")} of ${plan.existing.toLocaleString("en")} contacts ` +
    `(${plan.updated.toLocaleString("en")} updated, ${plan.deleted.toLocaleString("en")} deleted — ${pct.toFixed(1)}%), more than the ` +
    `safety threshold of ${o.thresholdPct}%. A staff member can approve this run from the imports list.`
  );
}
