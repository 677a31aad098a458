import { describe, expect, it } from "vitest";
import { useDb } from "@/tests/support/db";
import { runSync } from "@/lib/sync/run";
import { fieldId, makeFileSync, makeManager, rewriteCsv, setSync, writeCsv } from "@/tests/integration/engine/helpers";

const { db, sql } = useDb();

async function contactsOf(managerId: string) {
  return sql<{ key: string; data: Record<string, string>; deleted: boolean }[]>`
    select key, data, deleted_at is not null as deleted from contacts where manager_id = ${managerId} order by key_norm`;
}

describe("engine semantics", () => {
  it("an invalid row's key counts as present: a typo never deletes", async () => {
    const m = await makeManager(db, [{ label: "Score", type: "number" }]);
    const file = writeCsv("Email,Score\nann@x.com,1\nbob@x.com,2\n");
    const s = await makeFileSync(db, m, file, { map: { Email: "Email", Score: "Score" }, deleteMissing: true });
    await runSync({ syncId: s.id, trigger: "manual" });
    rewriteCsv(file, "Email,Score\nann@x.com,1\nbob@x.com,two\n");
    const r = await runSync({ syncId: s.id, trigger: "manual" });
    expect(r).toMatchObject({ status: "completed_with_errors", created: 0, updated: 0, deleted: 0, unchanged: 1 });
    expect(r.errors).toEqual([{ line: 3, column: "Score", message: expect.stringMatching(/not a number/) }]);
    const rows = await contactsOf(m.id);
    expect(rows.filter((c) => !c.deleted).map((c) => c.key)).toEqual(["ann@x.com", "bob@x.com"]);
    expect(rows[1].data[fieldId(m, "Score")]).toBe("2");
  });

  it("duplicate keys: first occurrence wins (case-insensitive, first spelling stored), later ones are row errors", async () => {
    const m = await makeManager(db);
    const file = writeCsv("Key,First\nAnn@X.com,Ann\nbob@x.com,Bob\nann@x.com,Other\n ANN@x.COM ,Third\n");
    const s = await makeFileSync(db, m, file, { key: "Key", map: { First: "First Name" } });
    const r = await runSync({ syncId: s.id, trigger: "manual" });
    expect(r).toMatchObject({ status: "completed_with_errors", created: 2 });
    expect(r.errors.map((e) => [e.line, e.column])).toEqual([
      [4, "Key"],
      [5, "Key"],
    ]);
    expect(r.errors[0].message).toMatch(/first on line 2/);
    const rows = await contactsOf(m.id);
    expect(rows.map((c) => [c.key, c.data[fieldId(m, "First Name")]])).toEqual([
      ["Ann@X.com", "Ann"],
      ["bob@x.com", "Bob"],
    ]);
    // A later file spelling the key differently matches the same contact and keeps the first spelling.
    rewriteCsv(file, "Key,First\nANN@X.COM,Annie\nbob@x.com,Bob\n");
    const r2 = await runSync({ syncId: s.id, trigger: "manual" });
    expect(r2).toMatchObject({ status: "succeeded", created: 0, updated: 1, unchanged: 1 });
    expect((await contactsOf(m.id))[0]).toMatchObject({
      key: "Ann@X.com",
      data: { [fieldId(m, "First Name")]: "Annie" },
    });
  });

  it("fields the file does not feed keep their values; an empty mapped cell clears its field", async () => {
    const m = await makeManager(db);
    const file = writeCsv("Email,First,Last\nann@x.com,Ann,Lee\n");
    const s = await makeFileSync(db, m, file, { map: { Email: "Email", First: "First Name", Last: "Last Name" } });
    await runSync({ syncId: s.id, trigger: "manual" });
    await setSync(db, s.id, {
      mapping: {
        keyColumn: "Email",
        autoKey: false,
        columns: [{ column: "First", fieldId: fieldId(m, "First Name") }],
      },
    });
    rewriteCsv(file, "Email,First,Last\nann@x.com,Ann,Changed\n");
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ unchanged: 1, updated: 0 });
    rewriteCsv(file, "Email,First,Last\nann@x.com,,Changed\n");
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ unchanged: 0, updated: 1 });
    const [c] = await contactsOf(m.id);
    expect(c.data).toEqual({ [fieldId(m, "Email")]: "ann@x.com", [fieldId(m, "Last Name")]: "Lee" });
  });

  it("update existing off: changed rows are left alone and counted as unchanged, with a note", async () => {
    const m = await makeManager(db);
    const file = writeCsv("Email,First\nann@x.com,Ann\n");
    const s = await makeFileSync(db, m, file, { updateExisting: false });
    await runSync({ syncId: s.id, trigger: "manual" });
    rewriteCsv(file, "Email,First\nann@x.com,Annie\nbob@x.com,Bob\n");
    const r = await runSync({ syncId: s.id, trigger: "manual" });
    expect(r).toMatchObject({ status: "succeeded", created: 1, updated: 0, unchanged: 1 });
    expect(r.message).toMatch(/1 changed row was not updated/);
    expect((await contactsOf(m.id))[0].data[fieldId(m, "First Name")]).toBe("Ann");
  });

  it("a deleted contact whose key comes back is revived and counts as created; versions allow a revert", async () => {
    const m = await makeManager(db);
    const file = writeCsv("Email,First\nann@x.com,Ann\nbob@x.com,Bob\n");
    const s = await makeFileSync(db, m, file, { deleteMissing: true });
    const r1 = await runSync({ syncId: s.id, trigger: "manual" });
    rewriteCsv(file, "Email,First\nann@x.com,Annie\n");
    const r2 = await runSync({ syncId: s.id, trigger: "manual" });
    expect(r2).toMatchObject({ updated: 1, deleted: 1 });
    rewriteCsv(file, "Email,First\nann@x.com,Annie\nBOB@x.com,Bobby\n");
    const r3 = await runSync({ syncId: s.id, trigger: "manual" });
    expect(r3).toMatchObject({ created: 1, updated: 0, deleted: 0, unchanged: 1 });
    const rows = await contactsOf(m.id);
    expect(rows.map((c) => [c.key, c.deleted])).toEqual([
      ["ann@x.com", false],
      ["BOB@x.com", false],
    ]);

    const versions = await sql<{ run_id: string; change: string; first: string | null; deleted_at: Date | null }[]>`
      select v.run_id, v.change, v.data->>${fieldId(m, "First Name")} as first, v.deleted_at
      from contact_versions v join contacts c on c.id = v.contact_id where c.manager_id = ${m.id} order by v.id`;
    // Inserted contacts need no version row: created_by_run names the run (kept when revived).
    expect(versions.filter((v) => v.run_id === r1.runId)).toEqual([]);
    const createdBy = await sql<
      { n: number }[]
    >`select count(*)::int as n from contacts where manager_id = ${m.id} and created_by_run = ${r1.runId}`;
    expect(createdBy[0].n).toBe(2);
    expect(
      versions
        .filter((v) => v.run_id === r2.runId)
        .map((v) => [v.change, v.first])
        .sort(),
    ).toEqual([
      ["deleted", "Bob"],
      ["updated", "Ann"],
    ]);
    const revived = versions.filter((v) => v.run_id === r3.runId);
    expect(revived).toHaveLength(1);
    expect(revived[0]).toMatchObject({ change: "created", first: "Bob" });
    expect(revived[0].deleted_at).not.toBeNull();
    const [gone] =
      await sql`select deleted_by_run from contact_versions v join contacts c on c.id = v.contact_id where v.run_id = ${r2.runId} and v.change = 'deleted'`;
    expect(gone).toBeDefined();
  });

  it("unchanged source is skipped (nothing read) unless import-every-time", async () => {
    const m = await makeManager(db);
    const file = writeCsv("Email,First\nann@x.com,Ann\n");
    const s = await makeFileSync(db, m, file);
    await runSync({ syncId: s.id, trigger: "manual" });
    const r = await runSync({ syncId: s.id, trigger: "manual" });
    expect(r).toMatchObject({ status: "skipped_unchanged", created: 0, updated: 0, unchanged: 0 });
    const [run] = await sql`select rows_read::int as rows_read, status from runs where id = ${r.runId}`;
    expect(run).toMatchObject({ rows_read: 0, status: "skipped_unchanged" });
    // Same bytes but a new mtime: hashed, recognised by its SHA-256 before any row is parsed.
    rewriteCsv(file, "Email,First\nann@x.com,Ann\n");
    const hashed = await runSync({ syncId: s.id, trigger: "manual" });
    expect(hashed).toMatchObject({ status: "skipped_unchanged", message: expect.stringMatching(/same SHA-256/) });
    const [hashedRun] = await sql`select rows_read::int as rows_read from runs where id = ${hashed.runId}`;
    expect(hashedRun.rows_read).toBe(0);
    // The same size with other bytes is read and applied.
    rewriteCsv(file, "Email,First\nann@x.com,Ana\n");
    const changed = await runSync({ syncId: s.id, trigger: "manual" });
    expect(changed.status).toBe("succeeded");
    const [changedRun] = await sql`select rows_read::int as rows_read from runs where id = ${changed.runId}`;
    expect(changedRun.rows_read).toBe(1);
    await setSync(db, s.id, { alwaysImport: true });
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ status: "succeeded", unchanged: 1 });
  });

  it("header-only file with delete-missing deletes everything; an empty file fails", async () => {
    const m = await makeManager(db);
    const file = writeCsv("Email,First\nann@x.com,Ann\n");
    const s = await makeFileSync(db, m, file, { deleteMissing: true });
    await runSync({ syncId: s.id, trigger: "manual" });
    rewriteCsv(file, "");
    const empty = await runSync({ syncId: s.id, trigger: "manual" });
    expect(empty).toMatchObject({ status: "failed", message: expect.stringMatching(/empty/) });
    rewriteCsv(file, "Email,First\n");
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ status: "succeeded", deleted: 1 });
  });

  it("a mapped column missing from the file fails the run with the file's columns listed", async () => {
    const m = await makeManager(db);
    const file = writeCsv("Mail,First\nann@x.com,Ann\n");
    const s = await makeFileSync(db, m, file);
    const r = await runSync({ syncId: s.id, trigger: "manual" });
    expect(r.status).toBe("failed");
    expect(r.message).toMatch(/no column "Email".*"Mail", "First"/);
  });

  it("quoted line breaks, formula cells and Windows-1252 are imported as text", async () => {
    const m = await makeManager(db, [{ label: "Note", type: "text" }]);
    const file = writeCsv(Buffer.from('Email,Note\r\nann@x.com,"=1+2\r\nZo\xe9"\r\n', "latin1"));
    const s = await makeFileSync(db, m, file, { map: { Email: "Email", Note: "Note" } });
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ status: "succeeded", created: 1 });
    expect((await contactsOf(m.id))[0].data[fieldId(m, "Note")]).toBe("=1+2\r\nZoé");
  });
});
