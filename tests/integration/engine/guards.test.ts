import { describe, expect, it } from "vitest";
import type { Guards } from "@/db/schema";
import { runSync } from "@/lib/sync/run";
import { makeFileSync, makeManager, rewriteCsv, setSync, writeCsv } from "@/tests/integration/engine/helpers";
import { useDb } from "@/tests/support/db";

const { db, sql } = useDb();

const key = (i: number) => `u${String(i).padStart(3, "0")}@x.com`;
const rows = (from: number, to: number, first = (i: number) => `U${i}`) =>
  Array.from({ length: to - from }, (_, k) => `${key(from + k)},${first(from + k)}`).join("\n");
const csv = (body: string) => `Email,First\n${body}\n`;

async function live(managerId: string) {
  const [{ n }] = await sql<{ n: number }[]>`
    select count(*)::int as n from contacts where manager_id = ${managerId} and deleted_at is null`;
  return n;
}

/** A manager with `n` contacts u000..u(n-1), and its delete-missing + update sync (threshold 100% unless given). */
async function seeded(n: number, guards: Guards, extra: Parameters<typeof makeFileSync>[3] = {}) {
  const m = await makeManager(db);
  const file = writeCsv(csv(rows(0, n)));
  const s = await makeFileSync(db, m, file, {
    deleteMissing: true,
    alwaysImport: true,
    safetyThresholdPct: 100,
    ...extra,
  });
  expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ created: n });
  await setSync(db, s.id, { guards });
  return { m, s, file };
}

describe("guards", () => {
  it("max deleted (count) allows its own value and blocks one more, on every run with guard every run", async () => {
    const { m, s, file } = await seeded(10, { maxDeleted: { count: 4 }, everyRun: true });
    rewriteCsv(file, csv(rows(0, 5)));
    const blocked = await runSync({ syncId: s.id, trigger: "manual" });
    expect(blocked).toMatchObject({ status: "blocked", deleted: 5 });
    expect(blocked.message).toMatch(/would delete 5 contacts, more than the limit of 4/);
    expect(blocked.plan).toEqual({ deleted: [key(5), key(6), key(7), key(8), key(9)], updated: [] });
    expect(await live(m.id)).toBe(10);
    const [run] = await sql`select plan_sample from runs where id = ${blocked.runId}`;
    expect(run.plan_sample).toEqual(blocked.plan);

    rewriteCsv(file, csv(rows(0, 6)));
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ status: "succeeded", deleted: 4 });
    expect(await live(m.id)).toBe(6);
  });

  it("without guard every run only scheduled runs are guarded", async () => {
    const { s, file } = await seeded(10, { maxDeleted: { count: 1 } });
    rewriteCsv(file, csv(rows(0, 8)));
    expect(await runSync({ syncId: s.id, trigger: "schedule" })).toMatchObject({ status: "blocked", deleted: 2 });
    for (const trigger of ["manual", "upload", "cli"] as const) {
      const dry = await runSync({ syncId: s.id, trigger, dryRun: true });
      expect(dry).toMatchObject({ status: "succeeded", deleted: 2 });
    }
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ status: "succeeded", deleted: 2 });
  });

  it("max deleted as a share compares exactly in whole contacts", async () => {
    const { s, file } = await seeded(40, { maxDeleted: { pct: 5 }, everyRun: true });
    rewriteCsv(file, csv(rows(0, 37)));
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ status: "blocked", deleted: 3 });
    rewriteCsv(file, csv(rows(0, 38)));
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ status: "succeeded", deleted: 2 });
  });

  it("max updated (count and share), with the sample of old and new values", async () => {
    const { s, file } = await seeded(20, { maxUpdated: { count: 3, pct: 50 }, everyRun: true });
    rewriteCsv(file, csv(rows(0, 20, (i) => (i < 4 ? `New${i}` : `U${i}`))));
    const blocked = await runSync({ syncId: s.id, trigger: "upload" });
    expect(blocked).toMatchObject({ status: "blocked", updated: 4 });
    expect(blocked.plan?.updated).toEqual(
      [0, 1, 2, 3].map((i) => ({ key: key(i), changes: { "First Name": [`U${i}`, `New${i}`] } })),
    );
    rewriteCsv(file, csv(rows(0, 20, (i) => (i < 3 ? `New${i}` : `U${i}`))));
    expect(await runSync({ syncId: s.id, trigger: "upload" })).toMatchObject({ status: "succeeded", updated: 3 });
  });

  it("min contacts: share limits apply from that many live contacts on, the value included", async () => {
    const { s, file } = await seeded(10, { maxDeleted: { pct: 10 }, minContacts: 11, everyRun: true });
    rewriteCsv(file, csv(rows(0, 5)));
    expect(await runSync({ syncId: s.id, trigger: "manual", dryRun: true })).toMatchObject({
      status: "succeeded",
      deleted: 5,
    });
    await setSync(db, s.id, { guards: { maxDeleted: { pct: 10 }, minContacts: 10, everyRun: true } });
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ status: "blocked", deleted: 5 });
  });

  it("the change threshold guards Go runs with guard every run, and keeps the seed rule otherwise", async () => {
    const { s, file } = await seeded(10, { everyRun: true }, { safetyThresholdPct: 20 });
    rewriteCsv(file, csv(rows(0, 7)));
    const blocked = await runSync({ syncId: s.id, trigger: "manual" });
    expect(blocked).toMatchObject({ status: "blocked", deleted: 3 });
    expect(blocked.message).toMatch(
      /^Not applied: this import would change 3 of 10 contacts .*safety threshold of 20%/,
    );
    rewriteCsv(file, csv(rows(0, 8)));
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ status: "succeeded", deleted: 2 });
  });

  it("an approval applies exactly what was approved", async () => {
    const { m, s, file } = await seeded(10, { maxDeleted: { count: 0 }, everyRun: true });
    rewriteCsv(file, csv(rows(0, 8)));
    const blocked = await runSync({ syncId: s.id, trigger: "manual" });
    expect(blocked).toMatchObject({ status: "blocked", deleted: 2 });
    const approval = await runSync({ syncId: s.id, trigger: "approval", approvesRunId: blocked.runId });
    expect(approval).toMatchObject({ status: "succeeded", deleted: 2 });
    expect(approval.plan).toBeUndefined();
    expect(await live(m.id)).toBe(8);
  });

  it("a dry run keeps its sample (first 100 by key) and the full lists; passwords show as changed", async () => {
    const m = await makeManager(db);
    const file = writeCsv(`Email,First,Password\n${rows(0, 150).replace(/\n/g, ",pw\n")},pw\n`);
    const s = await makeFileSync(db, m, file, {
      deleteMissing: true,
      alwaysImport: true,
      map: { Email: "Email", First: "First Name", Password: "Password" },
    });
    await runSync({ syncId: s.id, trigger: "manual" });
    // Keys in reverse order in the file: the sample still goes by key.
    const body = Array.from({ length: 120 }, (_, k) => `${key(269 - k)},N,secret-${k}`).join("\n");
    rewriteCsv(file, `Email,First,Password\n${body}\n${key(149)},Changed,new-secret\n`);
    const dry = await runSync({ syncId: s.id, trigger: "manual", dryRun: true });
    expect(dry).toMatchObject({ status: "succeeded", created: 120, updated: 1, deleted: 149 });
    expect(dry.plan?.deleted).toHaveLength(100);
    expect(dry.plan?.deleted[0]).toBe(key(0));
    expect(dry.plan?.deleted[99]).toBe(key(99));
    expect(dry.plan?.updated).toEqual([
      { key: key(149), changes: { "First Name": ["U149", "Changed"], Password: ["changed", "changed"] } },
    ]);
    expect(JSON.stringify(dry)).not.toMatch(/secret/);
    const items = await sql<{ change: string; n: number }[]>`
      select change, count(*)::int as n from run_plan_items where run_id = ${dry.runId} group by change order by change`;
    expect(items).toEqual([
      { change: "deleted", n: 149 },
      { change: "updated", n: 1 },
    ]);
    const [last] = await sql`
      select key from run_plan_items where run_id = ${dry.runId} and change = 'deleted' order by id desc limit 1`;
    expect(last.key).toBe(key(148));
    expect(await live(m.id)).toBe(150);
  });

  it("on the direct path (a first import) guards find nothing to block, and a dry run keeps an empty sample", async () => {
    const m = await makeManager(db);
    const file = writeCsv(csv(rows(0, 5)));
    const s = await makeFileSync(db, m, file, {
      deleteMissing: true,
      guards: { maxDeleted: { count: 0 }, maxUpdated: { count: 0 }, everyRun: true },
    });
    const dry = await runSync({ syncId: s.id, trigger: "manual", dryRun: true });
    expect(dry).toMatchObject({ status: "succeeded", created: 5, plan: { deleted: [], updated: [] } });
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ status: "succeeded", created: 5 });
    expect(await live(m.id)).toBe(5);
  });
});
