/**
 * The scale scenario's background: `total` contacts spread over `managers` other Contact Managers, inserted
 * set-based (generate_series), with the same fields as the bench's own manager. Managers named
 * "bench-background-<i>" that already hold their share are reused, so a second bench run does not seed again;
 * `npm run bench -- --drop-background` removes them.
 */
import type { Sql } from "postgres";
import type { Db } from "@/db/client";
import { createManager, deleteManager } from "@/lib/managers/queries";
import { EXTRA_FIELDS } from "@/tests/bench/csv";

const NAME = "bench-background-";

export async function seedBackground(db: Db, sql: Sql, total: number, managers: number): Promise<number> {
  const started = performance.now();
  const share = Math.ceil(total / managers);
  for (let m = 0; m < managers; m++) {
    const name = `${NAME}${m + 1}`;
    const [existing] = await sql<{ id: string; live: number }[]>`
      select id, (select count(*)::int from contacts c where c.manager_id = m.id and c.deleted_at is null) as live
      from managers m where lower(name) = lower(${name})`;
    if (existing && existing.live >= share) continue;
    if (existing) await deleteManager(db, existing.id);
    const manager = await createManager(db, { name, fields: EXTRA_FIELDS });
    const byLabel = (label: string) => manager.fields.find((f) => f.label === label)!.id;
    await sql`
      insert into contacts (manager_id, key, key_norm, data, row_hash, search)
      select ${manager.id}::uuid, k, k,
        jsonb_build_object(
          ${byLabel("First Name")}::text, 'First' || g, ${byLabel("Last Name")}::text, 'Last' || g,
          ${byLabel("Language")}::text, 'en', ${byLabel("Department")}::text, 'Sales, EMEA',
          ${byLabel("Phone")}::text, '+49 30 ' || g, ${byLabel("City")}::text, 'Berlin',
          ${byLabel("Score")}::text, (g % 1000)::text),
        md5(k), '' || chr(1) || 'first' || g || ' last' || g
      from generate_series(1, ${share}::int) g, lateral (select 'bg' || ${m}::int || '-' || g || '@example.org' as k) key`;
    await sql`update managers set contact_count = ${share} where id = ${manager.id}`;
  }
  await sql`analyze contacts`;
  return (performance.now() - started) / 1000;
}

export async function dropBackground(db: Db, sql: Sql): Promise<number> {
  const rows = await sql<{ id: string }[]>`select id from managers where name like ${`${NAME}%`}`;
  for (const r of rows) await deleteManager(db, r.id);
  return rows.length;
}
