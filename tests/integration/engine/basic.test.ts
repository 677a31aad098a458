import { describe, expect, it } from "vitest";
import { useDb } from "@/tests/support/db";
import { runSync } from "@/lib/sync/run";
import { makeFileSync, makeManager, rewriteCsv, writeCsv } from "@/tests/integration/engine/helpers";

const { db, sql } = useDb();

async function live(managerId: string) {
  return sql<{ key: string; data: Record<string, string> }[]>`
    select key, data from contacts where manager_id = ${managerId} and deleted_at is null order by key`;
}

describe("engine basics", () => {
  it("creates, then updates / keeps / deletes", async () => {
    const m = await makeManager(db);
    const file = writeCsv("Email,First\nann@x.com,Ann\nbob@x.com,Bob\ncid@x.com,Cid\n");
    const s = await makeFileSync(db, m, file, { deleteMissing: true });
    const r1 = await runSync({ syncId: s.id, trigger: "manual" });
    expect(r1).toMatchObject({ status: "succeeded", created: 3, updated: 0, deleted: 0, unchanged: 0, errors: [] });
    expect(r1.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    rewriteCsv(file, "Email,First\nann@x.com,Ann\nbob@x.com,Robert\ndan@x.com,Dan\n");
    const r2 = await runSync({ syncId: s.id, trigger: "manual" });
    expect(r2).toMatchObject({ status: "succeeded", created: 1, updated: 1, deleted: 1, unchanged: 1 });
    const rows = await live(m.id);
    expect(rows.map((r) => r.key)).toEqual(["ann@x.com", "bob@x.com", "dan@x.com"]);
  });

  it("says how many rows its row errors skipped", async () => {
    const m = await makeManager(db, [{ label: "Score", type: "number" }]);
    // Line 3 has two errors (email and number), line 4 one: three errors in two rows.
    const file = writeCsv("Email,First,Score\nann@x.com,Ann,1\nbad@@x.com,Bad,x\ncy@x.com,Cy,y\n");
    const s = await makeFileSync(db, m, file, { map: { Email: "Email", First: "First Name", Score: "Score" } });
    const r = await runSync({ syncId: s.id, trigger: "manual" });
    expect(r).toMatchObject({ status: "completed_with_errors", created: 1 });
    expect(r.message).toBe("1 created, 0 updated, 0 deleted, 0 unchanged; 3 row errors in 2 rows (skipped).");
    rewriteCsv(file, "Email,First,Score\nann@x.com,Ann,1\ncy@x.com,Cy,y\n");
    expect((await runSync({ syncId: s.id, trigger: "manual" })).message).toBe(
      "0 created, 0 updated, 0 deleted, 1 unchanged; 1 row error (row skipped).",
    );
  });
});
