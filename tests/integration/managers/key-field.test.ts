import { describe, expect, it } from "vitest";
import { uniqueName, useDb } from "@/tests/support/db";
import { createManager, getManager, keyFieldLocked, updateKeyField } from "@/lib/managers/queries";
import { managerLockName } from "@/lib/sync/apply";
import { runSync } from "@/lib/sync/run";
import { makeFileSync, writeCsv } from "../engine/helpers";

const { db, sql } = useDb();

/** Take the manager's lock in a transaction of our own, run `body` under it, and keep it until `release()`. */
async function holdLock(managerId: string, body: (tx: typeof sql) => Promise<unknown> = async () => {}) {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let held!: () => void;
  const holding = new Promise<void>((r) => (held = r));
  const done = sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtextextended(${managerLockName(managerId)}, 0))`;
    await body(tx as unknown as typeof sql);
    held();
    await released;
  });
  await Promise.race([holding, done]);
  return { release, done };
}

/** Resolves once some backend waits for an advisory lock. */
async function someoneWaitsForTheLock(): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const [row] = await sql`select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted`;
    if (row.n > 0) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("nobody waited for the manager's lock");
}

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
    await expect(updateKeyField(db, m.id, { label: "Code", type: "text" })).rejects.toMatchObject({ code: "key_locked" });
    expect(await keyFieldLocked(db, { ...m, contactCount: 1 })).toBe(true);
  });

  it("waits for an import that holds the manager's lock, then refuses: the import wrote contacts", async () => {
    const m = await createManager(db, { name: uniqueName("key") });
    const lock = await holdLock(m.id, (tx) => tx`insert into contacts (manager_id, key, key_norm, data, row_hash) values (${m.id}, 'a', 'a', '{}', 'h')`);
    const change = updateKeyField(db, m.id, { label: "Code", type: "number" });
    const outcome = change.then(() => "changed", (e) => e.code);
    await someoneWaitsForTheLock();
    lock.release();
    await lock.done;
    // Without the lock it would have seen no contact (the insert was not committed yet) and changed the type.
    expect(await outcome).toBe("key_locked");
  });

  it("an import that checked its keys against the old type fails when the type changed before it could apply", async () => {
    const m = await createManager(db, { name: uniqueName("key") });
    const keyId = m.fields.find((f) => f.role === "key")!.id;
    // A password column takes the stage path, whose lock comes after the file was read.
    const file = writeCsv("Code,Password\nA1,secret1\nA2,secret2\n");
    const s = await makeFileSync(db, m, file, { key: "Code", map: { Code: "Unique Key", Password: "Password" } });
    const lock = await holdLock(m.id);
    const run = runSync({ syncId: s.id, trigger: "manual" });
    await someoneWaitsForTheLock();
    // What updateKeyField does under the lock while the manager is still empty.
    await sql`update fields set type = 'number' where id = ${keyId}`;
    lock.release();
    await lock.done;
    const summary = await run;
    expect(summary.status).toBe("failed");
    expect(summary.message).toMatch(/unique key field's type was changed/);
    const [{ n }] = await sql`select count(*)::int as n from contacts where manager_id = ${m.id}`;
    expect(n).toBe(0);
  });
});
