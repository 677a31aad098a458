/** The merge rules (merge-rules.ts) as SQL over a plan row `p` and its contact `c`, for plan.ts and apply.ts. */
import type postgres from "postgres";
import type { MergeRule } from "@/db/schema";
import { allDefault, type FieldGroups } from "@/lib/sync/merge-rules";

type Tx = postgres.Sql;

/**
 * SQL for the `data` an update leaves in contact `c` from plan row `p` (p.data: the row's non-empty mapped
 * values), under the fields' rules: overwrite fields are replaced (emptied by an empty cell unless "keep"),
 * fill fields are written only where `c` has no value, create-only fields are left alone. Without rules this
 * is `(c.data - mapped) || p.data`, as before rules existed.
 */
export function mergedDataSql(tx: Tx, mapped: string[], g: FieldGroups): postgres.PendingQuery<postgres.Row[]> {
  if (allDefault(g)) return tx`((c.data - ${mapped}::text[]) || p.data)`;
  const notOverwritten = [...g.fill, ...g.createOnly];
  const base = tx`((c.data - ${g.overwriteClear}::text[]) || (p.data - ${notOverwritten}::text[]))`;
  if (g.fill.length === 0) return base;
  const notFill = mapped.filter((id) => !g.fill.includes(id));
  return tx`(${base} || coalesce((select jsonb_object_agg(e.key, e.value) from jsonb_each(p.data - ${notFill}::text[]) e
    where c.data -> e.key is null), '{}'::jsonb))`;
}

/** SQL: whether a live contact `c` takes the file's password (when it differs), under the Password rule. */
export function passwordUpdateSql(tx: Tx, merge: MergeRule | null): postgres.PendingQuery<postgres.Row[]> {
  if (merge === "create-only") return tx`false`;
  if (merge === "fill") return tx`c.password_mac is null`;
  return tx`true`;
}
