import { describe, expect, it } from "vitest";
import { runSync } from "@/lib/sync/run";
import { mappingDefaults } from "@/lib/wizard/mapping-step";
import { fieldId, makeFileSync, makeManager, writeCsv } from "@/tests/integration/engine/helpers";
import { useDb } from "@/tests/support/db";

const { db, sql } = useDb();

const HEADER = ["Email", "First_Name", "last-name", "Town"];
const CSV = `${HEADER.join(",")}\nann@x.com,Ann,Lee,Oslo\n`;

describe("mapping columns to fields by name", () => {
  it("the wizard's pre-mapping and the CLI's auto-mapping read First_Name, last-name as First Name, Last Name", async () => {
    const m = await makeManager(db);
    const wizard = mappingDefaults(HEADER, m.fields, null);
    expect(wizard.columns.map(({ column, fieldId }) => ({ column, fieldId }))).toEqual([
      { column: "Email", fieldId: fieldId(m, "Email") },
      { column: "First_Name", fieldId: fieldId(m, "First Name") },
      { column: "last-name", fieldId: fieldId(m, "Last Name") },
      { column: "Town", fieldId: "" },
    ]);

    const s = await makeFileSync(db, m, writeCsv(CSV), { map: {} });
    await sql`update syncs set mapping = ${sql.json({ keyColumn: "Email", autoKey: false, columns: [], autoMap: true })} where id = ${s.id}`;
    expect(await runSync({ syncId: s.id, trigger: "cli" })).toMatchObject({ status: "succeeded", created: 1 });

    const labels = await sql<
      { label: string }[]
    >`select label from fields where manager_id = ${m.id} order by position`;
    // Only the column no field matches is created; First_Name and last-name feed the built-in fields.
    expect(labels.map((f) => f.label)).toEqual([...m.fields.map((f) => f.label), "Town"]);
    const [contact] = await sql<
      { data: Record<string, string> }[]
    >`select data from contacts where manager_id = ${m.id}`;
    expect(contact.data[fieldId(m, "First Name")]).toBe("Ann");
    expect(contact.data[fieldId(m, "Last Name")]).toBe("Lee");
  });
});
