import { describe, expect, it } from "vitest";
import { useDb } from "@/tests/support/db";
import { verifyPassword } from "@/lib/auth/passwords";
import { AppError } from "@/lib/errors";
import { executeRun, queueRun, runSync } from "@/lib/sync/run";
import { fieldId, makeFileSync, makeManager, rewriteCsv, setSync, writeCsv } from "@/tests/integration/engine/helpers";

const { db, sql } = useDb();

async function passwords(managerId: string) {
  return sql<{ key: string; password_hash: string | null; password_mac: string | null }[]>`
    select key, password_hash, password_mac from contacts where manager_id = ${managerId} order by key`;
}

describe("passwords", () => {
  it("hashes new passwords, keeps them on empty cells or when unmapped, re-hashes only changed ones", async () => {
    const m = await makeManager(db);
    const file = writeCsv("Email,Password\nann@x.com,first-secret\nbob@x.com,\n");
    const s = await makeFileSync(db, m, file, { map: { Email: "Email", Password: "Password" } });
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ created: 2 });
    const [ann1, bob1] = await passwords(m.id);
    expect(await verifyPassword("first-secret", ann1.password_hash!)).toBe(true);
    expect(ann1.password_hash).toMatch(/^scrypt\$4096\$/);
    expect(bob1.password_hash).toBeNull();

    // Same password again: unchanged, the stored hash (with its salt) is kept.
    rewriteCsv(file, "Email,Password\nann@x.com,first-secret\nbob@x.com,\n");
    await setSync(db, s.id, { alwaysImport: true });
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ unchanged: 2, updated: 0 });
    expect((await passwords(m.id))[0].password_hash).toBe(ann1.password_hash);

    // Empty cell keeps it; a new one is hashed.
    rewriteCsv(file, "Email,Password\nann@x.com,\nbob@x.com,bob-secret\n");
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ unchanged: 1, updated: 1 });
    const [ann2, bob2] = await passwords(m.id);
    expect(ann2.password_hash).toBe(ann1.password_hash);
    expect(await verifyPassword("bob-secret", bob2.password_hash!)).toBe(true);

    // Changed password: re-hashed.
    rewriteCsv(file, "Email,Password\nann@x.com,second-secret\nbob@x.com,bob-secret\n");
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ updated: 1, unchanged: 1 });
    const [ann3, bob3] = await passwords(m.id);
    expect(await verifyPassword("second-secret", ann3.password_hash!)).toBe(true);
    expect(bob3.password_hash).toBe(bob2.password_hash);

    // Other mapped data changes, same password: updated, and the password hash is kept.
    const columns = [
      { column: "Email", fieldId: fieldId(m, "Email") },
      { column: "Password", fieldId: fieldId(m, "Password") },
      { column: "First", fieldId: fieldId(m, "First Name") },
    ];
    await setSync(db, s.id, { mapping: { keyColumn: "Email", autoKey: false, columns } });
    rewriteCsv(file, "Email,Password,First\nann@x.com,second-secret,Ann\nbob@x.com,bob-secret,Bob\n");
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ updated: 2, unchanged: 0 });
    const [ann4, bob4] = await passwords(m.id);
    expect(ann4.password_hash).toBe(ann3.password_hash);
    expect(bob4.password_hash).toBe(bob3.password_hash);

    // Password column no longer mapped: kept.
    await setSync(db, s.id, { mapping: { keyColumn: "Email", autoKey: false, columns: [] } });
    rewriteCsv(file, "Email,Password\nann@x.com,third\nbob@x.com,x\n");
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ unchanged: 2 });
    expect((await passwords(m.id))[0].password_hash).toBe(ann3.password_hash);
    // Never stored in clear anywhere in the contact.
    const [raw] =
      await sql`select count(*)::int as n from contacts where manager_id = ${m.id} and data::text like '%secret%'`;
    expect(raw.n).toBe(0);
  });
});

describe("generated keys", () => {
  it("gives every created contact a unique random 9-digit key; update and delete are off", async () => {
    const m = await makeManager(db);
    const file = writeCsv("Email,First\n" + Array.from({ length: 300 }, (_, i) => `u${i}@x.com,U${i}\n`).join(""));
    const s = await makeFileSync(db, m, file, { autoKey: true, deleteMissing: true, alwaysImport: true });
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ status: "succeeded", created: 300 });
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({
      status: "succeeded",
      created: 300,
      deleted: 0,
    });
    const rows = await sql<
      { key: string }[]
    >`select key from contacts where manager_id = ${m.id} and deleted_at is null`;
    expect(rows).toHaveLength(600);
    expect(new Set(rows.map((r) => r.key)).size).toBe(600);
    for (const r of rows) {
      expect(r.key).toMatch(/^[1-9]\d{8}$/);
    }
  });
});

describe("safety rule", () => {
  it("blocks a scheduled delete-missing run that changes more than the threshold; an approval applies it", async () => {
    const m = await makeManager(db);
    const rows = Array.from({ length: 20 }, (_, i) => `u${i}@x.com,U${i}`);
    const file = writeCsv("Email,First\n" + rows.join("\n") + "\n");
    const s = await makeFileSync(db, m, file, { deleteMissing: true });
    await runSync({ syncId: s.id, trigger: "manual" });

    // 2 of 20 deleted = 10%: not more than 10%, applied.
    rewriteCsv(file, "Email,First\n" + rows.slice(0, 18).join("\n") + "\n");
    expect(await runSync({ syncId: s.id, trigger: "schedule" })).toMatchObject({ status: "succeeded", deleted: 2 });

    // 3 of 18 deleted (16.7%): blocked, nothing applied.
    rewriteCsv(file, "Email,First\n" + rows.slice(0, 15).join("\n") + "\n");
    const blocked = await runSync({ syncId: s.id, trigger: "schedule" });
    expect(blocked).toMatchObject({ status: "blocked", deleted: 3 });
    expect(blocked.message).toMatch(/safety threshold of 10%/);
    const [{ n }] =
      await sql`select count(*)::int as n from contacts where manager_id = ${m.id} and deleted_at is null`;
    expect(n).toBe(18);
    // A manual run is not subject to the rule; the approval of the blocked run applies despite it.
    const approval = await runSync({ syncId: s.id, trigger: "approval", approvesRunId: blocked.runId });
    expect(approval).toMatchObject({ status: "succeeded", deleted: 3 });
    const [{ n: after }] =
      await sql`select count(*)::int as n from contacts where manager_id = ${m.id} and deleted_at is null`;
    expect(after).toBe(15);
    const [run] = await sql`select approves_run_id, trigger from runs where id = ${approval.runId}`;
    expect(run).toMatchObject({ approves_run_id: blocked.runId, trigger: "approval" });
    // Only a blocked run of the same sync can be approved.
    await expect(queueRun({ syncId: s.id, trigger: "approval", approvesRunId: approval.runId })).rejects.toThrow(
      /blocked/,
    );
  });

  it("honours a per-sync threshold", async () => {
    const m = await makeManager(db);
    const file = writeCsv("Email,First\na@x.com,A\nb@x.com,B\nc@x.com,C\nd@x.com,D\n");
    const s = await makeFileSync(db, m, file, { deleteMissing: true, safetyThresholdPct: 50 });
    await runSync({ syncId: s.id, trigger: "manual" });
    rewriteCsv(file, "Email,First\na@x.com,A2\nb@x.com,B\n");
    expect(await runSync({ syncId: s.id, trigger: "schedule" })).toMatchObject({
      status: "blocked",
      updated: 1,
      deleted: 2,
    });
  });
});

describe("dry run and one run at a time", () => {
  it("a dry run reports the plan and changes nothing", async () => {
    const m = await makeManager(db);
    const file = writeCsv("Email,First\nann@x.com,Ann\n");
    const s = await makeFileSync(db, m, file);
    const r = await runSync({ syncId: s.id, trigger: "manual", dryRun: true });
    expect(r).toMatchObject({ status: "succeeded", created: 1 });
    expect(r.message).toMatch(/Dry run/);
    const [{ n }] = await sql`select count(*)::int as n from contacts where manager_id = ${m.id}`;
    expect(n).toBe(0);
    const [sync] = await sql`select last_fingerprint from syncs where id = ${s.id}`;
    expect(sync.last_fingerprint).toBeNull();
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ status: "succeeded", created: 1 });
  });

  it("a second run of the same sync is refused while one is queued or running", async () => {
    const m = await makeManager(db);
    const file = writeCsv("Email,First\nann@x.com,Ann\n");
    const s = await makeFileSync(db, m, file);
    const first = await queueRun({ syncId: s.id, trigger: "manual" });
    const err = await queueRun({ syncId: s.id, trigger: "manual" }).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: "run_active", status: 409 });
    await executeRun(first);
    // Concurrent requests: exactly one is accepted. (Queue both at once: a whole runSync of a one-line file
    // can finish before the other request arrives, and then both are rightly accepted one after the other.)
    const results = await Promise.allSettled([
      queueRun({ syncId: s.id, trigger: "manual" }),
      queueRun({ syncId: s.id, trigger: "manual" }),
    ]);
    const accepted = results.filter((r) => r.status === "fulfilled") as PromiseFulfilledResult<string>[];
    expect(accepted).toHaveLength(1);
    expect(results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(
      ["run_active"],
    );
    expect(await executeRun(accepted[0].value)).toMatchObject({ status: "skipped_unchanged" });
  });
});
