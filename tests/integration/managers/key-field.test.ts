import { describe, expect, it } from "vitest";
import { uniqueName, useDb } from "@/tests/support/db";
import { createManager, getManager, keyFieldLocked, updateKeyField } from "@/lib/managers/queries";
import { holdManagerLock, untilManagerLockAwaited } from "@/tests/support/manager-lock";
import { runSync } from "@/lib/sync/run";
import { makeFileSync, writeCsv } from "@/tests/integration/engine/helpers";

const { db, sql } = useDb();

describe("the unique key field", () => {
  it("changes while the manager has no contacts, and is locked by any contact, a deleted one too", async () => {
    const created = await createManager(db, { name: uniqueName("key") });
    expect(await keyFieldLocked(db, created)).toBe(false);
    await updateKeyField(db, created.id, { label: "Member No", type: "number" });
    const m = (await getManager(db, created.id))!;
    expect(m.fields.find((f) => f.role === "key")).toMatchObject({ label: "Member No", type: "number" });

    // A soft-deleted contact (it can be restored by a revert) locks it as well; contact_count stays 0.
    await sql`insert into contacts (manager_id, key, key_norm, data, row_hash, deleted_at) values (${m.id}, '7', '7', '{}', 'h', now())`;
    expect(m.contactCount).toBe(0);
    expect(await keyFieldLocked(db, m)).toBe(true);
    await expect(updateKeyField(db, m.id, { label: "Code", type: "text" })).rejects.toMatchObject({
      code: "key_locked",
    });
    expect(await keyFieldLocked(db, { ...m, contactCount: 1 })).toBe(true);
  });

  it("waits for an import that holds the manager's lock, then refuses: the import wrote contacts", async () => {
    const m = await createManager(db, { name: uniqueName("key") });
    const lock = await holdManagerLock(sql, m.id);
    try {
      await lock.sql`insert into contacts (manager_id, key, key_norm, data, row_hash) values (${m.id}, 'a', 'a', '{}', 'h')`;
      const outcome = updateKeyField(db, m.id, { label: "Code", type: "number" }).then(
        () => "changed",
        (e) => e.code,
      );
      await untilManagerLockAwaited(sql, m.id);
      await lock.commit();
      // Without the lock it would have seen no contact (the insert was not committed yet) and changed the type.
      expect(await outcome).toBe("key_locked");
    } finally {
      lock.release();
    }
  });

  it("an import that checked its keys against the old type fails when the type changed before it could apply", async () => {
    const m = await createManager(db, { name: uniqueName("key") });
    const keyId = m.fields.find((f) => f.role === "key")!.id;
    // A password column takes the stage path, whose lock comes after the file was read.
    const file = writeCsv("Code,Password\nA1,secret1\nA2,secret2\n");
    const s = await makeFileSync(db, m, file, { key: "Code", map: { Code: "Unique Key", Password: "Password" } });
    const lock = await holdManagerLock(sql, m.id);
    const run = runSync({ syncId: s.id, trigger: "manual" });
    try {
      await untilManagerLockAwaited(sql, m.id);
      // What updateKeyField does under the lock while the manager is still empty.
      await lock.sql`update fields set type = 'number' where id = ${keyId}`;
      await lock.commit();
    } finally {
      lock.release();
    }
    const summary = await run;
    expect(summary.status).toBe("failed");
    expect(summary.message).toMatch(/unique key field's type was changed/);
    const [{ n }] = await sql`select count(*)::int as n from contacts where manager_id = ${m.id}`;
    expect(n).toBe(0);
  });
});
