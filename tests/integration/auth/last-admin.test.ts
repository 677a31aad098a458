import { sql as dsql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { users, type User } from "@/db/schema";
import { setDisabledAction, setRoleAction } from "@/app/admin/users/actions";
import { setSessionReaderForTests } from "@/lib/auth/current-user";
import { passwordVersion } from "@/lib/auth/session";
import { useDb } from "@/tests/support/db";
import { actAs, callAction, createTestUser, reloadUser } from "@/tests/integration/auth/helpers";

const { db } = useDb();
afterEach(() => setSessionReaderForTests(null));

async function activeAdmins(): Promise<number> {
  const [{ n }] = await db
    .select({ n: dsql<number>`count(*)::int` })
    .from(users)
    .where(dsql`${users.role} = 'admin' and ${users.disabledAt} is null`);
  return n;
}

/** Each call runs as the user given: the session reader picks whoever the next call is made for. */
function actAsPerCall() {
  let next: User | null = null;
  setSessionReaderForTests(async () => (next ? { userId: next.id, pv: passwordVersion(next.passwordHash) } : null));
  return <T>(user: User, call: () => Promise<T>): Promise<T> => {
    next = user;
    return call();
  };
}

describe("the app always keeps an active admin", () => {
  // This test database only: start each case with no other active admin.
  beforeEach(async () => {
    await db
      .update(users)
      .set({ disabledAt: new Date() })
      .where(dsql`${users.role} = 'admin' and ${users.disabledAt} is null`);
  });

  it("the only admin cannot disable themselves, however the id is spelt", async () => {
    const admin = await createTestUser(db, "admin");
    actAs(admin);
    for (const userId of [admin.id, admin.id.toUpperCase()]) {
      const r = await callAction(setDisabledAction, { userId, disabled: "true" });
      expect(r).toMatchObject({ result: "error", detail: expect.stringMatching(/self_disable/) });
    }
    expect((await reloadUser(db, admin.id)).disabledAt).toBeNull();
  });

  it("two admins demoting each other at the same moment: one of them stays admin", async () => {
    for (let round = 0; round < 3; round++) {
      await db
        .update(users)
        .set({ disabledAt: new Date() })
        .where(dsql`${users.role} = 'admin' and ${users.disabledAt} is null`);
      const a = await createTestUser(db, "admin");
      const b = await createTestUser(db, "admin");
      const as = actAsPerCall();
      const outcomes = await Promise.all([
        as(a, () => callAction(setRoleAction, { userId: b.id, role: "viewer" })),
        as(b, () => callAction(setRoleAction, { userId: a.id, role: "viewer" })),
      ]);
      expect(await activeAdmins()).toBe(1);
      // The other one is refused: as the last admin, or as no longer an admin when its request was read.
      expect(outcomes.filter((o) => o.result === "ok")).toHaveLength(1);
      expect(outcomes.find((o) => o.result !== "ok")?.detail).toMatch(/last_admin|role does not allow/);
    }
  });

  it("nor can an admin be disabled while the other demotes them", async () => {
    const a = await createTestUser(db, "admin");
    const b = await createTestUser(db, "admin");
    const as = actAsPerCall();
    await Promise.all([
      as(a, () => callAction(setDisabledAction, { userId: b.id, disabled: "true" })),
      as(b, () => callAction(setRoleAction, { userId: a.id, role: "editor" })),
    ]);
    expect(await activeAdmins()).toBe(1);
  });
});
