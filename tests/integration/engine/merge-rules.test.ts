import { describe, expect, it } from "vitest";
import type { MappedColumn } from "@/db/schema";
import type { ManagerWithFields } from "@/lib/managers/queries";
import { revertRun } from "@/lib/runs/revert";
import { runSync } from "@/lib/sync/run";
import { fieldId, makeFileSync, makeManager, rewriteCsv, setSync, writeCsv } from "@/tests/integration/engine/helpers";
import { useDb } from "@/tests/support/db";
import { verifyPassword } from "@/lib/auth/passwords";

const { db, sql } = useDb();

const extra = [
  { label: "City", type: "text" as const },
  { label: "Consent", type: "text" as const },
];

/** Email key; First overwrite (clear), Last overwrite + keep, City fill, Consent create-only. */
function columns(m: ManagerWithFields, cityRule: MappedColumn["merge"] = "fill"): MappedColumn[] {
  return [
    { column: "Email", fieldId: fieldId(m, "Email") },
    { column: "First", fieldId: fieldId(m, "First Name") },
    { column: "Last", fieldId: fieldId(m, "Last Name"), empty: "keep" },
    { column: "City", fieldId: fieldId(m, "City"), merge: cityRule },
    { column: "Consent", fieldId: fieldId(m, "Consent"), merge: "create-only" },
  ];
}

async function contactsOf(m: ManagerWithFields) {
  const rows = await sql<{ key: string; data: Record<string, string>; row_hash: string }[]>`
    select key, data, row_hash from contacts where manager_id = ${m.id} and deleted_at is null order by key_norm`;
  const label = new Map(m.fields.map((f) => [f.id, f.label]));
  return rows.map((r) => ({
    key: r.key,
    row_hash: r.row_hash,
    data: Object.fromEntries(Object.entries(r.data).map(([id, v]) => [label.get(id), v])),
  }));
}

/** A manager whose first import takes the direct path (empty), or the stage path (one deleted contact). */
async function managerFor(path: "direct" | "stage") {
  const m = await makeManager(db, extra);
  if (path === "stage")
    await sql`insert into contacts (manager_id, key, key_norm, row_hash, deleted_at)
              values (${m.id}, 'gone@x.com', 'gone@x.com', 'x', now())`;
  return m;
}

const FILE1 = "Email,First,Last,City,Consent\nann@x.com,Ann,Lee,,yes\nbob@x.com,Bob,Ray,Oslo,no\n";
const FILE2 = "Email,First,Last,City,Consent\nann@x.com,Anna,,Paris,no\nbob@x.com,Bob,,Rome,yes\ncy@x.com,Cy,Wu,,yes\n";

describe.each(["direct", "stage"] as const)("merge and empty-cell rules (first import on the %s path)", (path) => {
  it("write what each rule allows; a row whose only differences are unwritable is unchanged", async () => {
    const m = await managerFor(path);
    const file = writeCsv(FILE1);
    const s = await makeFileSync(db, m, file, { alwaysImport: true });
    await setSync(db, s.id, { mapping: { keyColumn: "Email", autoKey: false, columns: columns(m) } });
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ status: "succeeded", created: 2 });
    const first = await contactsOf(m);
    expect(first.map((c) => c.data)).toEqual([
      { Email: "ann@x.com", "First Name": "Ann", "Last Name": "Lee", Consent: "yes" },
      { Email: "bob@x.com", "First Name": "Bob", "Last Name": "Ray", City: "Oslo", Consent: "no" },
    ]);

    rewriteCsv(file, FILE2);
    const second = await runSync({ syncId: s.id, trigger: "manual" });
    expect(second).toMatchObject({ status: "succeeded", created: 1, updated: 1, unchanged: 1 });
    const after = await contactsOf(m);
    expect(after.map((c) => c.data)).toEqual([
      // First overwritten, Last kept on an empty cell, City filled (it was empty), Consent never changed.
      { Email: "ann@x.com", "First Name": "Anna", "Last Name": "Lee", City: "Paris", Consent: "yes" },
      // Only unwritable differences: unchanged, its data as it was.
      { Email: "bob@x.com", "First Name": "Bob", "Last Name": "Ray", City: "Oslo", Consent: "no" },
      { Email: "cy@x.com", "First Name": "Cy", "Last Name": "Wu", Consent: "yes" },
    ]);
    const [bobVersions] = await sql`
      select count(*)::int as n from contact_versions v join contacts c on c.id = v.contact_id
      where c.manager_id = ${m.id} and c.key = 'bob@x.com'`;
    expect(bobVersions.n).toBe(0);

    // The same file again: every row unchanged by its row hash.
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ updated: 0, unchanged: 3 });
    expect((await contactsOf(m)).map((c) => c.row_hash)).toEqual(after.map((c) => c.row_hash));

    // An empty cell of an overwrite field without "keep" clears it.
    rewriteCsv(file, FILE2.replace("bob@x.com,Bob,", "bob@x.com,,"));
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ updated: 1, unchanged: 2 });
    expect((await contactsOf(m))[1].data["First Name"]).toBeUndefined();

    // A rule change is a mapping change: City now overwrites, so Bob's City follows the file.
    await setSync(db, s.id, { mapping: { keyColumn: "Email", autoKey: false, columns: columns(m, "overwrite") } });
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ updated: 1, unchanged: 2 });
    expect((await contactsOf(m))[1].data.City).toBe("Rome");
  });

  it("store the same as the other path, and revert restores exactly what a run changed", async () => {
    const m = await managerFor(path);
    const file = writeCsv(FILE1);
    const s = await makeFileSync(db, m, file, { alwaysImport: true, deleteMissing: true });
    await setSync(db, s.id, { mapping: { keyColumn: "Email", autoKey: false, columns: columns(m) } });
    await runSync({ syncId: s.id, trigger: "manual" });
    const before = await contactsOf(m);
    rewriteCsv(file, FILE2.replace("bob@x.com,Bob,,Rome,yes\n", ""));
    const run = await runSync({ syncId: s.id, trigger: "manual" });
    expect(run).toMatchObject({ created: 1, updated: 1, deleted: 1 });
    await revertRun(db, { runId: run.runId, user: null });
    expect(await contactsOf(m)).toEqual(before);
  });
});

describe("rules on both paths", () => {
  it("give the same contacts and row hashes whichever path the first import took", async () => {
    const results = [];
    for (const path of ["direct", "stage"] as const) {
      const m = await managerFor(path);
      const file = writeCsv(FILE1);
      const s = await makeFileSync(db, m, file, { alwaysImport: true });
      await setSync(db, s.id, { mapping: { keyColumn: "Email", autoKey: false, columns: columns(m) } });
      await runSync({ syncId: s.id, trigger: "manual" });
      const firstHashes = (await contactsOf(m)).map((c) => c.row_hash.slice(0, 6));
      rewriteCsv(file, FILE2);
      await runSync({ syncId: s.id, trigger: "manual" });
      results.push({ contacts: (await contactsOf(m)).map((c) => c.data), firstHashes });
    }
    expect(results[0].contacts).toEqual(results[1].contacts);
    // Tags differ by manager (field ids); each path agrees with itself on one tag per mapping.
    for (const r of results) expect(new Set(r.firstHashes).size).toBe(1);
  });

  it("a mapping without rules keeps its row hashes (no re-hash after an upgrade)", async () => {
    const m = await managerFor("stage");
    const file = writeCsv(FILE1);
    const s = await makeFileSync(db, m, file, { alwaysImport: true });
    const plain = columns(m).map(({ column, fieldId }) => ({ column, fieldId }));
    await setSync(db, s.id, { mapping: { keyColumn: "Email", autoKey: false, columns: plain } });
    await runSync({ syncId: s.id, trigger: "manual" });
    const hashes = (await contactsOf(m)).map((c) => c.row_hash);
    const explicitDefaults = plain.map((c) => ({ ...c, merge: "overwrite" as const, empty: "clear" as const }));
    await setSync(db, s.id, { mapping: { keyColumn: "Email", autoKey: false, columns: explicitDefaults } });
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ unchanged: 2, updated: 0 });
    expect((await contactsOf(m)).map((c) => c.row_hash)).toEqual(hashes);
    // One rule set: every row hash changes once (compared in full, re-hashed), no contact is updated.
    await setSync(db, s.id, { mapping: { keyColumn: "Email", autoKey: false, columns: columns(m) } });
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ unchanged: 2, updated: 0 });
    const rehashed = (await contactsOf(m)).map((c) => c.row_hash);
    expect(rehashed.every((h, i) => h !== hashes[i])).toBe(true);
  });
});

describe("password merge rules", () => {
  async function passwordOf(managerId: string, key: string) {
    const [c] = await sql<{ password_hash: string | null }[]>`
      select password_hash from contacts where manager_id = ${managerId} and key = ${key}`;
    return c.password_hash;
  }

  it("create-only sets a password on create only; fill only where none is set; empty always keeps", async () => {
    const m = await makeManager(db);
    const file = writeCsv("Email,Password\nann@x.com,one-secret\nbob@x.com,\n");
    const s = await makeFileSync(db, m, file, { alwaysImport: true });
    const mapping = (merge: MappedColumn["merge"]) => ({
      keyColumn: "Email",
      autoKey: false,
      columns: [
        { column: "Email", fieldId: fieldId(m, "Email") },
        { column: "Password", fieldId: fieldId(m, "Password"), merge },
      ],
    });
    await setSync(db, s.id, { mapping: mapping("create-only") });
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ created: 2 });
    const annHash = await passwordOf(m.id, "ann@x.com");
    expect(await verifyPassword("one-secret", annHash!)).toBe(true);

    rewriteCsv(file, "Email,Password\nann@x.com,two-secret\nbob@x.com,bob-secret\n");
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ updated: 0, unchanged: 2 });
    expect(await passwordOf(m.id, "ann@x.com")).toBe(annHash);
    expect(await passwordOf(m.id, "bob@x.com")).toBeNull();

    await setSync(db, s.id, { mapping: mapping("fill") });
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ updated: 1, unchanged: 1 });
    expect(await passwordOf(m.id, "ann@x.com")).toBe(annHash);
    expect(await verifyPassword("bob-secret", (await passwordOf(m.id, "bob@x.com"))!)).toBe(true);
  });
});
