import { describe, expect, it } from "vitest";
import { users } from "@/db/schema";
import { listUsersPage } from "@/lib/auth/users";
import { uniqueName, useDb } from "@/tests/support/db";

const { db } = useDb();

// No admins are made here: the last-admin tests need to be the only ones changing who is an active admin.
describe("Admin > Users lists staff a page at a time", () => {
  it("pages in email order and searches email or name literally (% and _ are plain characters)", async () => {
    const tag = uniqueName("pg").replace(/\W/g, "");
    for (const local of ["c", "a", "b"])
      await db.insert(users).values({
        email: `${tag}-${local}@example.test`,
        name: `Person ${local} 100%_sure`,
        role: "viewer",
        passwordHash: "x",
      });
    const first = await listUsersPage(db, { page: 1, pageSize: 2, query: tag });
    expect(first.total).toBe(3);
    expect(first.users.map((u) => u.email)).toEqual([`${tag}-a@example.test`, `${tag}-b@example.test`]);
    const second = await listUsersPage(db, { page: 2, pageSize: 2, query: tag.toUpperCase() });
    expect(second.users.map((u) => u.email)).toEqual([`${tag}-c@example.test`]);

    expect((await listUsersPage(db, { page: 1, pageSize: 50, query: "c 100%_sure" })).total).toBeGreaterThanOrEqual(1);
    expect((await listUsersPage(db, { page: 1, pageSize: 50, query: "100_%sure" })).total).toBe(0);
  });
});
