import { describe, expect, it } from "vitest";
import { useDb } from "@/tests/support/db";
import { deleteManager } from "@/lib/managers/queries";
import { holdManagerLock, untilManagerLockAwaited } from "@/tests/support/manager-lock";
import { runSync } from "@/lib/sync/run";
import { makeFileSync, makeManager, writeCsv } from "@/tests/integration/engine/helpers";

const { db, sql } = useDb();

// Values that need escaping in COPY text, in JSON, in an array literal, or all; an empty cell; non-BMP characters.
const CSV =
  "Email,First,Last\n" +
  'ann@x.com,"back\\slash ""quoted""","tab\there"\n' +
  'bob@x.com,"two\nlines",\n' +
  "cy@x.com,Zoë 😀,\u0001ctl\n" +
  "dee@x.com,,plain\n" +
  'eve@x.com,"{a,b} \\""",NULL\n';

async function stored(managerId: string) {
  return sql<{ key: string; data: Record<string, string>; row_hash: string; search: string }[]>`
    select key, data, row_hash, search from contacts where manager_id = ${managerId} and deleted_at is null order by key_norm`;
}

/** The data of each contact with field ids replaced by labels, to compare two managers. */
function byLabel(
  m: { fields: { id: string; label: string }[] },
  rows: { key: string; data: Record<string, string> }[],
) {
  const label = new Map(m.fields.map((f) => [f.id, f.label]));
  return rows.map((r) => ({
    key: r.key,
    data: Object.fromEntries(Object.entries(r.data).map(([id, v]) => [label.get(id), v])),
  }));
}

describe("direct and staged first imports", () => {
  it("store the same data and row hashes, so a re-import finds every row unchanged", async () => {
    const file = writeCsv(CSV);
    const map = { Email: "Email", First: "First Name", Last: "Last Name" };

    // An empty manager: the rows are COPYed straight into contacts.
    const direct = await makeManager(db);
    const s1 = await makeFileSync(db, direct, file, { map, alwaysImport: true });
    expect(await runSync({ syncId: s1.id, trigger: "manual" })).toMatchObject({ status: "succeeded", created: 5 });

    // A manager holding a contact: the stage path.
    const staged = await makeManager(db);
    const old = await makeFileSync(db, staged, writeCsv("Email,First\nold@x.com,Old\n"), {
      map: { Email: "Email", First: "First Name" },
    });
    await runSync({ syncId: old.id, trigger: "manual" });
    const s2 = await makeFileSync(db, staged, file, { map, deleteMissing: true, alwaysImport: true });
    expect(await runSync({ syncId: s2.id, trigger: "manual" })).toMatchObject({
      status: "succeeded",
      created: 5,
      deleted: 1,
    });

    const a = await stored(direct.id);
    const b = await stored(staged.id);
    expect(byLabel(direct, a)).toEqual(byLabel(staged, b));
    expect(byLabel(direct, a)[0].data).toEqual({
      Email: "ann@x.com",
      "First Name": 'back\\slash "quoted"',
      "Last Name": "tab\there",
    });
    expect(byLabel(direct, a)[1].data).toEqual({ Email: "bob@x.com", "First Name": "two\nlines" });
    expect(byLabel(direct, a)[2].data["First Name"]).toBe("Zoë 😀");
    expect(byLabel(direct, a)[4].data).toEqual({ Email: "eve@x.com", "First Name": '{a,b} \\"', "Last Name": "NULL" });
    // Same values and mapping → same hashes except for the mapping tag (field ids differ per manager).
    expect(a.map((r) => r.row_hash.slice(6))).toEqual(b.map((r) => r.row_hash.slice(6)));
    // The search text: written in Node on the direct path, by the database on the stage path, alike.
    expect(a.map((r) => r.search)).toEqual(b.map((r) => r.search));
    expect(a[0].search).toBe('ann@x.com\u0001back\\slash "quoted" tab\there');
    expect(a[2].search).toBe("cy@x.com\u0001zoë 😀 \u0001ctl");
    expect(a[3].search).toBe("dee@x.com\u0001plain");

    // The same file again: unchanged by hash on both.
    expect(await runSync({ syncId: s1.id, trigger: "manual" })).toMatchObject({
      status: "succeeded",
      unchanged: 5,
      updated: 0,
      created: 0,
    });
    expect(await runSync({ syncId: s2.id, trigger: "manual" })).toMatchObject({
      status: "succeeded",
      unchanged: 5,
      updated: 0,
      created: 0,
    });
  });

  it("a stored hash from another mapping is refreshed without counting as a change", async () => {
    const m = await makeManager(db);
    const file = writeCsv("Email,First\nann@x.com,Ann\n");
    const s = await makeFileSync(db, m, file, { map: { Email: "Email", First: "First Name" }, alwaysImport: true });
    await runSync({ syncId: s.id, trigger: "manual" });
    await sql`update contacts set row_hash = 'from-an-older-format' where manager_id = ${m.id}`;
    const [before] = await sql`select updated_at from contacts where manager_id = ${m.id}`;
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ unchanged: 1, updated: 0 });
    const [after] = await sql<
      { row_hash: string; updated_at: Date }[]
    >`select row_hash, updated_at from contacts where manager_id = ${m.id}`;
    expect(after.row_hash).not.toBe("from-an-older-format");
    expect(after.updated_at).toEqual(before.updated_at);
    const [{ n }] =
      await sql`select count(*)::int as n from contact_versions v join contacts c on c.id = v.contact_id where c.manager_id = ${m.id}`;
    expect(n).toBe(0);
  });

  it("falls back to the stage path when a duplicate key involves an invalid row", async () => {
    const m = await makeManager(db, [{ label: "Score", type: "number" }]);
    // Line 2 is invalid (not a number) and holds the key first: line 3 is its duplicate, not a new contact.
    const file = writeCsv("Email,Score\nann@x.com,x\nANN@x.com,1\nbob@x.com,2\n");
    const s = await makeFileSync(db, m, file, { map: { Email: "Email", Score: "Score" } });
    const r = await runSync({ syncId: s.id, trigger: "manual" });
    expect(r).toMatchObject({ status: "completed_with_errors", created: 1 });
    expect(r.errors.map((e) => [e.line, e.column])).toEqual([
      [2, "Score"],
      [3, "Email"],
    ]);
    expect((await stored(m.id)).map((c) => c.key)).toEqual(["bob@x.com"]);
  });

  it("after the fallback, columns mapped automatically (CLI without --map) land in fields that exist", async () => {
    const m = await makeManager(db);
    // The repeated key makes the unique index refuse the direct COPY; the "Phone" field the first attempt
    // created was rolled back with it, and the second attempt used to store the values under its stale id.
    const s = await makeFileSync(db, m, writeCsv("Email,Phone\nann@x.com,111\nbob@x.com,222\nann@x.com,333\n"), {
      map: {},
    });
    await sql`update syncs set mapping = ${sql.json({ keyColumn: "Email", autoKey: false, columns: [], autoMap: true })} where id = ${s.id}`;
    expect(await runSync({ syncId: s.id, trigger: "cli" })).toMatchObject({
      status: "completed_with_errors",
      created: 2,
    });
    const fields = await sql<{ id: string; label: string }[]>`select id, label from fields where manager_id = ${m.id}`;
    const phone = fields.find((f) => f.label === "Phone");
    expect(phone).toBeDefined();
    const rows = await stored(m.id);
    expect(rows.map((c) => c.data[phone!.id])).toEqual(["111", "222"]);
    const ids = new Set(fields.map((f) => f.id));
    for (const c of rows) expect(Object.keys(c.data).filter((id) => !ids.has(id))).toEqual([]);
  });
});

describe("manager deletion and imports", () => {
  it("deleting a manager removes its contacts", async () => {
    const m = await makeManager(db);
    const s = await makeFileSync(db, m, writeCsv("Email,First\nann@x.com,Ann\nbob@x.com,Bob\n"));
    await runSync({ syncId: s.id, trigger: "manual" });
    await deleteManager(db, m.id);
    const [{ n }] = await sql`select count(*)::int as n from contacts where manager_id = ${m.id}`;
    expect(n).toBe(0);
  });

  it("a run that gets the manager's lock after the manager was deleted writes nothing", async () => {
    const m = await makeManager(db);
    const s = await makeFileSync(db, m, writeCsv("Email,First\nann@x.com,Ann\n"));
    const lock = await holdManagerLock(sql, m.id);
    try {
      const run = runSync({ syncId: s.id, trigger: "manual" }).catch((e: unknown) => e);
      await untilManagerLockAwaited(sql, m.id);
      await lock.sql`delete from managers where id = ${m.id}`;
      await lock.commit();
      await run;
    } finally {
      lock.release();
    }
    const [{ n }] = await sql`select count(*)::int as n from contacts where manager_id = ${m.id}`;
    expect(n).toBe(0);
  });
});
