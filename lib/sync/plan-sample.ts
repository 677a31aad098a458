/**
 * The plan sample of a blocked run or a dry run: who the plan would delete, and what it would change in
 * whom. Taken from the run's `plan` table before the transaction rolls back: the first SAMPLE_SIZE of each
 * list by key go on the run row (runs.plan_sample), the full lists into run_plan_items (for the run page's
 * CSV downloads) — streamed by COPY from the run's connection into a pooled one, so they outlive the
 * rollback and never sit in memory whole. Passwords show as "changed", never a value.
 */
import { pipeline } from "node:stream/promises";
import type { Readable, Writable } from "node:stream";
import type postgres from "postgres";
import { getSql } from "@/db/client";
import type { PlanSample } from "@/db/schema";
import type { FieldGroups } from "@/lib/sync/merge-rules";
import { mergedDataSql } from "@/lib/sync/merge-sql";

type Tx = postgres.Sql;

export const SAMPLE_SIZE = 100;
export const PASSWORD_SHOWN_AS = "changed";
export const emptyPlanSample = (): PlanSample => ({ deleted: [], updated: [] });

export async function keepPlanSample(
  tx: Tx,
  o: {
    runId: string;
    fields: { id: string; label: string }[];
    groups: FieldGroups;
    passwordLabel: string | null;
    updateExisting: boolean;
  },
): Promise<PlanSample> {
  if (!/^[0-9a-f-]{36}$/i.test(o.runId)) throw new Error("invalid run id");
  const ids = o.fields.map((f) => f.id);
  const labels = o.fields.map((f) => f.label);
  const password = o.passwordLabel
    ? tx`case when p.need_hash then jsonb_build_object(${o.passwordLabel}::text, jsonb_build_array(${PASSWORD_SHOWN_AS}::text, ${PASSWORD_SHOWN_AS}::text)) else '{}'::jsonb end`
    : tx`'{}'::jsonb`;
  await tx`
    create temp table plan_items on commit drop as
    select 'deleted'::text as change, c.key, c.key_norm, null::jsonb as changes
    from plan p join contacts c on c.id = p.contact_id where p.action = 'delete'
    union all
    select 'updated', c.key, c.key_norm,
      coalesce((
        select jsonb_object_agg(f.label, jsonb_build_array(coalesce(c.data ->> f.id, ''), coalesce(m.data ->> f.id, '')))
        from unnest(${ids}::text[], ${labels}::text[]) f(id, label)
        where c.data ->> f.id is distinct from m.data ->> f.id
      ), '{}'::jsonb) || ${password}
    from plan p join contacts c on c.id = p.contact_id
      cross join lateral (select ${mergedDataSql(tx, ids, o.groups)} as data) m
    where p.action = 'update' and ${o.updateExisting}::boolean`;
  const first = await tx<{ change: "deleted" | "updated"; key: string; changes: Record<string, [string, string]> }[]>`
    (select change, key, changes from plan_items where change = 'deleted' order by key_norm collate "C", key collate "C" limit ${SAMPLE_SIZE})
    union all
    (select change, key, changes from plan_items where change = 'updated' order by key_norm collate "C", key collate "C" limit ${SAMPLE_SIZE})`;
  const sample: PlanSample = {
    deleted: first.filter((r) => r.change === "deleted").map((r) => r.key),
    updated: first.filter((r) => r.change === "updated").map((r) => ({ key: r.key, changes: r.changes })),
  };
  if (first.length === 0) return sample;

  const out = (await tx
    .unsafe(
      `copy (select '${o.runId}'::uuid, change, key, changes from plan_items
             order by change, key_norm collate "C", key collate "C") to stdout`,
    )
    .readable()) as unknown as Readable;
  const into = (await getSql()
    .unsafe("copy run_plan_items (run_id, change, key, changes) from stdin")
    .writable()) as unknown as Writable;
  await pipeline(out, into);
  return sample;
}
