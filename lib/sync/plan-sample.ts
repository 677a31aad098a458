/**
 * The plan sample of a blocked run or a dry run: who the plan would delete, and what it would change in
 * whom. Taken from the run's `plan` table before the transaction rolls back: the first SAMPLE_SIZE of each
 * list by key go on the run row (runs.plan_sample), the full lists into run_plan_items (for the run page's
 * CSV downloads) — read by a cursor on the run's connection and COPYed into a pooled one, so they outlive the
 * rollback and never sit in memory whole. Passwords show as "changed", never a value.
 */
import type postgres from "postgres";
import { getSql } from "@/db/client";
import type { PlanSample } from "@/db/schema";
import type { FieldGroups } from "@/lib/sync/merge-rules";
import { copyValue } from "@/lib/sync/encode";
import { mergedDataSql } from "@/lib/sync/merge-sql";
import { copyText } from "@/lib/sync/stage";

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

  // Read back by a cursor, not a COPY to stdout: postgres.js 3.4 leaves the socket of a COPY stream paused
  // for good when it was paused (the consumer slower) as the COPY ended, and the run's next statement hangs
  // (porsager/postgres#1016). The lines go to a connection of the pool by COPY, with back-pressure.
  const lines = async function* () {
    const rows = tx<{ change: string; key: string; changes: string | null }[]>`
      select change, key, changes::text as changes from plan_items
      order by change, key_norm collate "C", key collate "C"`.cursor(2000);
    for await (const batch of rows) {
      let text = "";
      for (const r of batch) text += `${o.runId}\t${r.change}\t${copyValue(r.key)}\t${copyValue(r.changes)}\n`;
      yield text;
    }
  };
  const into = await getSql().reserve();
  try {
    const [{ pid }] = await into<{ pid: number }[]>`select pg_backend_pid() as pid`;
    await copyText(into, "run_plan_items (run_id, change, key, changes)", lines(), { backendPid: pid });
  } finally {
    into.release();
  }
  return sample;
}
