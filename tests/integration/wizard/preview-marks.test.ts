import { describe, expect, it } from "vitest";
import { unwrittenCells } from "@/lib/wizard/preview-marks";
import { fieldId, makeManager } from "@/tests/integration/engine/helpers";
import { useDb } from "@/tests/support/db";

const { db, sql } = useDb();

describe("preview marks", () => {
  it("marks the cells a rule will not write into the row's existing contact, with why", async () => {
    const m = await makeManager(db, [{ label: "Consent", type: "text" }]);
    const data = {
      [fieldId(m, "First Name")]: "Ann",
      [fieldId(m, "Last Name")]: "Lee",
      [fieldId(m, "Consent")]: "yes",
    };
    await sql`insert into contacts (manager_id, key, key_norm, data, row_hash)
              values (${m.id}, 'Ann@x.com', 'ann@x.com', ${sql.json(data)}, 'x')`;
    const columns = ["Email", "First", "Last", "Consent"];
    const marks = await unwrittenCells({
      managerId: m.id,
      mapping: {
        keyColumn: "Email",
        autoKey: false,
        columns: [
          { column: "First", fieldId: fieldId(m, "First Name"), merge: "fill" },
          { column: "Last", fieldId: fieldId(m, "Last Name"), empty: "keep" },
          { column: "Consent", fieldId: fieldId(m, "Consent"), merge: "create-only" },
        ],
      },
      columns,
      rows: [
        { line: 2, cells: [" ANN@x.com ", "Anna", "", "no"], errors: [] },
        { line: 3, cells: ["new@x.com", "New", "", "no"], errors: [] },
        { line: 4, cells: ["ann@x.com", "Ann", "Lee", "yes"], errors: [] },
      ],
      fields: m.fields,
    });
    // Line 3 is a new contact (everything written); line 4 changes nothing.
    expect(marks).toEqual({
      2: {
        1: "fill: the contact has a value",
        2: "empty cell keeps the stored value",
        3: "create only: the contact exists",
      },
    });
  });
});
