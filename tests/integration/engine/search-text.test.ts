import { describe, expect, it } from "vitest";
import { listContacts } from "@/lib/managers/contact-list";
import { revertRun } from "@/lib/runs/revert";
import { runSync } from "@/lib/sync/run";
import { makeFileSync, makeManager, rewriteCsv, writeCsv } from "@/tests/integration/engine/helpers";
import { useDb } from "@/tests/support/db";

const { db, sql } = useDb();
const map = { Email: "Email", First: "First Name", Last: "Last Name" };

async function searchOf(managerId: string) {
  const rows = await sql<{ key: string; search: string | null }[]>`
    select key, search from contacts where manager_id = ${managerId} order by key_norm`;
  return Object.fromEntries(rows.map((r) => [r.key, r.search]));
}

describe("the contacts' search text follows every write of their data", () => {
  it("updates, revivals, merge rules and a revert keep it equal to the data", async () => {
    const m = await makeManager(db);
    const file = writeCsv("Email,First,Last\nann@x.com,Ann,Lee\nbob@x.com,Bob,Ray\n");
    // First name fills only: a re-import does not overwrite it, so neither does the search text.
    const s = await makeFileSync(db, m, file, {
      deleteMissing: true,
      mapping: {
        keyColumn: "Email",
        autoKey: false,
        columns: Object.entries(map).map(([column, label]) => ({
          column,
          fieldId: m.fields.find((f) => f.label === label)!.id,
          ...(label === "First Name" ? { merge: "fill" as const } : {}),
        })),
      },
    });
    await runSync({ syncId: s.id, trigger: "manual" });
    expect(await searchOf(m.id)).toEqual({
      "ann@x.com": "ann@x.com\u0001ann lee",
      "bob@x.com": "bob@x.com\u0001bob ray",
    });

    rewriteCsv(file, "Email,First,Last\nann@x.com,Annie,Lee-Smith\ncy@x.com,Cy,\n");
    const second = await runSync({ syncId: s.id, trigger: "manual" });
    expect(second).toMatchObject({ status: "succeeded", created: 1, updated: 1, deleted: 1 });
    expect(await searchOf(m.id)).toEqual({
      "ann@x.com": "ann@x.com\u0001ann lee-smith",
      "bob@x.com": "bob@x.com\u0001bob ray", // deleted: keeps its text (and data)
      "cy@x.com": "cy@x.com\u0001cy",
    });

    const page = (q: string) =>
      listContacts(sql, { managerId: m.id, fields: m.fields, sort: "key_asc", q, searchIn: "text" }).then((p) =>
        p.rows.map((r) => r.key),
      );
    expect(await page("SMITH")).toEqual(["ann@x.com"]);
    expect(await page("ann lee")).toEqual(["ann@x.com"]);
    expect(await page("bob")).toEqual([]); // deleted
    // The separator never joins email and name into one match.
    expect(await page("x.comann")).toEqual([]);
    expect(await page("x.com\u0001ann")).toEqual([]);

    await revertRun(db, { runId: second.runId, user: null });
    expect(await searchOf(m.id)).toEqual({
      "ann@x.com": "ann@x.com\u0001ann lee",
      "bob@x.com": "bob@x.com\u0001bob ray",
      "cy@x.com": "cy@x.com\u0001cy",
    });
    expect(await page("smith")).toEqual([]);
    expect(await page("ray")).toEqual(["bob@x.com"]);

    // A key deleted earlier comes back (revived) with the file's data and its search text.
    rewriteCsv(file, "Email,First,Last\nann@x.com,Ann,Lee\nbob@x.com,Bob,Ray\ncy@x.com,Cyrus,Vance\n");
    await runSync({ syncId: s.id, trigger: "manual" });
    expect((await searchOf(m.id))["cy@x.com"]).toBe("cy@x.com\u0001cyrus vance");
    expect(await page("vance")).toEqual(["cy@x.com"]);
  });
});
