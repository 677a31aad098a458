import { describe, expect, it } from "vitest";
import { useDb, uniqueName } from "@/tests/support/db";
import { createManager } from "@/lib/managers/queries";
import { listContacts, type ContactSort } from "@/lib/managers/contact-list";
import { listImportsPage } from "@/lib/runs/queries";
import { makeManager, makeSync } from "@/tests/integration/runs/fixtures";

const { db, sql } = useDb();

describe("contacts sorted by last update, keyset paging with sub-millisecond timestamps", () => {
  // One import stamps all its contacts with the same transaction time, which has microseconds.
  for (const sort of ["updated_desc", "updated_asc"] as ContactSort[]) {
    it(`${sort}: every live contact exactly once`, async () => {
      const m = await createManager(db, { name: uniqueName("micro") });
      const rows = Array.from({ length: 30 }, (_, i) => ({
        manager_id: m.id,
        key: `K${i}`,
        key_norm: `k${i}`,
        data: sql.json({}),
        row_hash: `h${i}`,
      }));
      await sql`insert into contacts ${sql(rows)}`;
      await sql`update contacts set updated_at = '2026-03-01 10:00:00.123456+00' where manager_id = ${m.id}`;
      const keys: string[] = [];
      let after: string | undefined;
      for (let i = 0; i < 20; i++) {
        const p = await listContacts(sql, { managerId: m.id, fields: m.fields, sort, pageSize: 10, after });
        keys.push(...p.rows.map((r) => r.key));
        if (!p.nextCursor) break;
        after = p.nextCursor;
      }
      expect(keys.length).toBe(30);
      expect(new Set(keys).size).toBe(30);
    });
  }
});

describe("imports list keyset paging with equal names and sub-millisecond created_at", () => {
  it("every sync exactly once", async () => {
    const m = await makeManager(db);
    for (let i = 0; i < 9; i++) await makeSync(db, m.id, { name: "Same name" });
    await sql`update syncs set created_at = '2026-03-01 10:00:00.123456+00' where manager_id = ${m.id}`;
    const ids: string[] = [];
    let after: string | undefined;
    for (let i = 0; i < 20; i++) {
      const p = await listImportsPage(db, { managerId: m.id, limit: 4, after });
      ids.push(...p.rows.map((r) => r.id));
      if (!p.nextCursor) break;
      after = p.nextCursor;
    }
    expect(ids.length).toBe(9);
    expect(new Set(ids).size).toBe(9);
  });
});
