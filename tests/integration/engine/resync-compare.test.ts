/**
 * The re-sync compares rows with the manager's contacts in Node (known-contacts.ts) and stages only rows that
 * may change something. These pin what it decides — above all what it deletes — against what the database holds.
 */
import { describe, expect, it } from "vitest";
import { MAX_KNOWN_CONTACTS } from "@/lib/sync/known-contacts";
import { rowHasher } from "@/lib/sync/row-hash";
import { runSync } from "@/lib/sync/run";
import { fieldId, makeFileSync, makeManager, rewriteCsv, writeCsv } from "@/tests/integration/engine/helpers";
import { useDb } from "@/tests/support/db";

const { db, sql } = useDb();
const row = { line: 2, key: null, keyNorm: null, password: null, passwordMac: null, valid: true, del: false };

async function live(managerId: string) {
  return sql<{ key: string; data: Record<string, string>; row_hash: string }[]>`
    select key, data, row_hash from contacts where manager_id = ${managerId} and deleted_at is null order by key_norm`;
}

describe("re-sync compared in Node", () => {
  it.each([
    ["in Node", false],
    ["in SQL (a manager counted too big for the index)", true],
  ])("a repeated known key: the first row wins, whether it was unchanged, changed or invalid (%s)", async (_, big) => {
    const m = await makeManager(db, [{ label: "Score", type: "number" }]);
    const file = writeCsv("Email,Score\nann@x.com,1\nbob@x.com,2\ncat@x.com,3\ndan@x.com,4\n");
    const map = { Email: "Email", Score: "Score" };
    const s = await makeFileSync(db, m, file, { map, updateExisting: true, deleteMissing: true, alwaysImport: true });
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ created: 4 });
    const score = fieldId(m, "Score");
    if (big) await sql`update managers set contact_count = ${MAX_KNOWN_CONTACTS + 1} where id = ${m.id}`;

    // ann: unchanged then changed; bob: changed then unchanged; cat: invalid then unchanged; dan: missing.
    rewriteCsv(
      file,
      "Email,Score\nann@x.com,1\nbob@x.com,20\ncat@x.com,three\nANN@x.com,10\nbob@x.com,2\ncat@x.com,3\n",
    );
    const r = await runSync({ syncId: s.id, trigger: "manual" });
    expect(r).toMatchObject({ status: "completed_with_errors", created: 0, updated: 1, deleted: 1, unchanged: 1 });
    expect(r.errors.map((e) => [e.line, e.message.match(/not a number|first on line \d+/)?.[0]])).toEqual([
      [4, "not a number"],
      [5, "first on line 2"],
      [6, "first on line 3"],
      [7, "first on line 4"],
    ]);
    expect((await live(m.id)).map((c) => [c.key, c.data[score]])).toEqual([
      ["ann@x.com", "1"],
      ["bob@x.com", "20"],
      ["cat@x.com", "3"],
    ]);
  });

  it("keys outside ASCII, with backslashes, tabs and line breaks are found again, and only the missing one goes", async () => {
    const m = await makeManager(db);
    const keys = ["ключ-1", "😀 smile", "back\\slash", "tab\there", "line\nbreak", "Ünïcödé"];
    const csv = (ks: string[], first = "A") => `Key,First\n${ks.map((k) => `"${k}",${first}`).join("\n")}\n`;
    const file = writeCsv(csv(keys));
    const s = await makeFileSync(db, m, file, {
      key: "Key",
      map: { First: "First Name" },
      updateExisting: true,
      deleteMissing: true,
      alwaysImport: true,
    });
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ status: "succeeded", created: 6 });
    rewriteCsv(file, csv(keys));
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({
      status: "succeeded",
      created: 0,
      updated: 0,
      deleted: 0,
      unchanged: 6,
    });
    rewriteCsv(file, csv(keys.filter((k) => k !== "tab\there")));
    const r = await runSync({ syncId: s.id, trigger: "manual" });
    expect(r).toMatchObject({ status: "succeeded", deleted: 1, unchanged: 5 });
    expect((await live(m.id)).map((c) => c.key).sort()).toEqual(keys.filter((k) => k !== "tab\there").sort());
  });

  it("hashes written on the stage path and on the direct path (first import) both compare equal", async () => {
    const m = await makeManager(db, [{ label: "Note", type: "text" }]);
    const rows = Array.from({ length: 20_000 }, (_, i) => `p${i}@x.com,P${i},"note ""${i}"" \\ é"`);
    const file = writeCsv(`Email,First,Note\n${rows.join("\n")}\n`);
    const map = { Email: "Email", First: "First Name", Note: "Note" };
    const s = await makeFileSync(db, m, file, { map, updateExisting: true, deleteMissing: true, alwaysImport: true });
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ created: 20_000 });

    // 5 changed (hashed on the stage path), 7 removed, 3 added.
    const changed = rows.map((r, i) => (i >= 100 && i < 105 ? r.replace(`,P${i},`, `,Q${i},`) : r));
    const second = [...changed.slice(7), "new1@x.com,N,", "new2@x.com,N,", "new3@x.com,N,"];
    rewriteCsv(file, `Email,First,Note\n${second.join("\n")}\n`);
    const r = await runSync({ syncId: s.id, trigger: "manual" });
    expect(r).toMatchObject({ status: "succeeded", created: 3, updated: 5, deleted: 7, unchanged: 20_000 - 12 });
    const [{ n }] = await sql<{ n: number }[]>`
      select count(*)::int as n from contacts where manager_id = ${m.id} and deleted_at is not null
        and key = any(${rows.slice(0, 7).map((r) => r.split(",")[0])}::text[])`;
    expect(n).toBe(7);

    // The digest compared equals the stored hash, written by the stage path (p100) or the direct one (p200).
    const stored = await sql<{ key: string; row_hash: string }[]>`
      select key, row_hash from contacts where manager_id = ${m.id} and key in ('p100@x.com', 'p200@x.com') order by key`;
    const { digest: rowDigest } = await rowHasher("");
    const digest = (i: number, first: string) =>
      rowDigest({ ...row, values: [`p${i}@x.com`, first, `note "${i}" \\ é`] });
    expect(stored.map((c) => c.row_hash.slice(-16))).toEqual([digest(100, "Q100"), digest(200, "P200")]);

    // The same file again (a new mtime): every row is unchanged by its hash, whoever wrote it.
    rewriteCsv(file, `Email,First,Note\n${second.join("\n")}\n`);
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({
      status: "succeeded",
      created: 0,
      updated: 0,
      deleted: 0,
      unchanged: 20_000 - 7 + 3,
    });
  });

  it("another mapping compares every row in full once: same data is re-hashed, not updated", async () => {
    const m = await makeManager(db);
    const file = writeCsv("Email,First,Last\nann@x.com,Ann,Lee\nbob@x.com,Bob,Ray\n");
    const s = await makeFileSync(db, m, file, { updateExisting: true, deleteMissing: true, alwaysImport: true });
    await runSync({ syncId: s.id, trigger: "manual" });
    const before = await live(m.id);
    await sql`update syncs set mapping = jsonb_set(mapping, '{columns}', mapping->'columns' || ${sql.json([
      { column: "Last", fieldId: fieldId(m, "Last Name") },
    ])}::jsonb) where id = ${s.id}`;
    rewriteCsv(file, "Email,First,Last\nann@x.com,Ann,Lee\nbob@x.com,Bob,Ray\n");
    const r = await runSync({ syncId: s.id, trigger: "manual" });
    expect(r).toMatchObject({ status: "succeeded", updated: 2, unchanged: 0 });
    rewriteCsv(file, "Email,First,Last\nann@x.com,Ann,Lee\nbob@x.com,Bob,Ray\n");
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ updated: 0, unchanged: 2 });
    expect((await live(m.id)).map((c) => c.row_hash)).not.toEqual(before.map((c) => c.row_hash));
  });

  it("contacts hashed in the older format (MD5) are compared by their data once: re-hashed, not updated", async () => {
    const m = await makeManager(db);
    const csv = (bob: string) => `Email,First\nann@x.com,Ann\nbob@x.com,${bob}\ncat@x.com,Cat\n`;
    const file = writeCsv(csv("Bob"));
    const s = await makeFileSync(db, m, file, { updateExisting: true, deleteMissing: true, alwaysImport: true });
    await runSync({ syncId: s.id, trigger: "manual" });
    // What an earlier version stored: the tag, then 32 hex digits of an MD5.
    await sql`update contacts set row_hash = left(row_hash, 6) || md5(key) where manager_id = ${m.id}`;
    const before = await sql<{ key: string; updated_at: Date }[]>`
      select key, updated_at from contacts where manager_id = ${m.id} order by key`;
    rewriteCsv(file, csv("Robert"));
    const r = await runSync({ syncId: s.id, trigger: "manual" });
    expect(r).toMatchObject({ status: "succeeded", created: 0, updated: 1, deleted: 0, unchanged: 2 });
    const after = await sql<{ key: string; updated_at: Date; row_hash: string; versions: number }[]>`
      select key, updated_at, row_hash,
        (select count(*)::int from contact_versions v where v.contact_id = c.id) as versions
      from contacts c where manager_id = ${m.id} order by key`;
    expect(after.map((c) => [c.key, c.row_hash.length, c.versions])).toEqual([
      ["ann@x.com", 22, 0],
      ["bob@x.com", 22, 1],
      ["cat@x.com", 22, 0],
    ]);
    expect(after[0].updated_at).toEqual(before[0].updated_at);
    rewriteCsv(file, csv("Robert"));
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ updated: 0, unchanged: 3 });
  });
});
