import { describe, expect, it } from "vitest";
import { createManager } from "@/lib/managers/queries";
import { uniqueName, useDb } from "@/tests/support/db";

const { db } = useDb();

describe("a new Contact Manager's field names", () => {
  it("a field named like a built-in one is refused as such, not as 'listed twice'", async () => {
    await expect(
      createManager(db, { name: uniqueName("Fields"), fields: [{ label: "first name", type: "text" }] }),
    ).rejects.toMatchObject({
      code: "duplicate_field",
      status: 409,
      message: 'Every Contact Manager has a field "First Name" already; give "first name" another name.',
    });
  });

  it("a unique identifier named like a built-in field says so", async () => {
    await expect(createManager(db, { name: uniqueName("Fields"), keyLabel: "email" })).rejects.toMatchObject({
      code: "duplicate_field",
      message: 'The unique identifier cannot be called "email": every Contact Manager has a field by that name.',
    });
  });

  it("a field listed twice is still refused as listed twice", async () => {
    const fields = [
      { label: "Department", type: "text" as const },
      { label: "department ", type: "text" as const },
    ];
    await expect(createManager(db, { name: uniqueName("Fields"), fields })).rejects.toMatchObject({
      code: "duplicate_field",
      message: 'The field "department" is listed twice.',
    });
  });
});
