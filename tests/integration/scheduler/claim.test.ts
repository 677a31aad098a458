import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimDueSyncs, failStaleRuns, STALE_RUN_MESSAGE, touchRuns } from "@/lib/schedule/claim";
import {
  createOwnDatabase,
  makeScheduledSync,
  utcStart,
  writeCsv,
  type OwnDatabase,
} from "@/tests/integration/scheduler/fixtures";

let own: OwnDatabase;
let file: string;
beforeAll(async () => {
  own = await createOwnDatabase();
  file = writeCsv(3);
});
afterAll(async () => {
  await own?.drop();
});

const MIN = 60_000;
const DAY = 86_400_000;

async function syncRow(id: string) {
  const [row] = await own.sql<{ next_run_at: Date | null }[]>`select next_run_at from syncs where id = ${id}`;
  return row;
}
async function scheduleRuns(id: string) {
  return own.sql<{ id: string; status: string; scheduled_for: Date }[]>`
    select id, status, scheduled_for from runs where sync_id = ${id} and trigger = 'schedule' order by scheduled_for`;
}
/** Claim from this database until nothing is due; tests share it, so only look at their own syncs. */
async function claimAll(limit = 50) {
  return (await claimDueSyncs(own.sql, { limit })).claimed;
}

describe("claiming due syncs (FOR UPDATE SKIP LOCKED)", () => {
  it("concurrent claimers never get the same sync or occurrence", async () => {
    const now = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const start = new Date(Math.floor((now - 10 * MIN) / MIN) * MIN);
      ids.push(
        await makeScheduledSync(own, {
          file,
          schedule: { start: utcStart(start), tz: "UTC", rrule: "FREQ=MINUTELY;INTERVAL=7" },
          nextRunAt: new Date(now - (i % 5) * MIN),
        }),
      );
    }
    const mine = new Set(ids);
    // Eight claimers on separate connections, each taking three at a time until nothing is due.
    const claimer = async () => {
      const got: { syncId: string; scheduledFor: Date; runId: string }[] = [];
      for (;;) {
        const { claimed } = await claimDueSyncs(own.sql, { limit: 3 });
        if (claimed.length === 0) return got;
        got.push(...claimed);
      }
    };
    const perClaimer = (await Promise.all(Array.from({ length: 8 }, claimer))).map((got) =>
      got.filter((c) => mine.has(c.syncId)),
    );
    // More than one claimer actually took part.
    expect(perClaimer.filter((got) => got.length > 0).length).toBeGreaterThan(1);
    const results = perClaimer.flat();
    expect(results).toHaveLength(40);
    expect(new Set(results.map((r) => r.syncId)).size).toBe(40);
    expect(new Set(results.map((r) => r.runId)).size).toBe(40);
    for (const id of ids) {
      const runs = await scheduleRuns(id);
      expect(runs).toHaveLength(1);
      expect(runs[0].status).toBe("queued");
      const row = await syncRow(id);
      expect(row.next_run_at!.getTime()).toBeGreaterThan(now);
    }
    expect((await claimAll()).filter((c) => mine.has(c.syncId))).toEqual([]);
  });

  it("occurrences missed while every instance was down give one catch-up run", async () => {
    const start = new Date(Date.now() - 10 * DAY);
    const id = await makeScheduledSync(own, {
      file,
      schedule: { start: utcStart(start), tz: "UTC", rrule: "FREQ=DAILY" },
      nextRunAt: new Date(utcStart(start) + ":00Z"),
    });
    const before = Date.now();
    const claimed = (await claimAll()).filter((c) => c.syncId === id);
    expect(claimed).toHaveLength(1);
    expect(claimed[0].scheduledFor.toISOString().slice(0, 16)).toBe(utcStart(start));
    const next = claimed[0].nextRunAt!.getTime();
    expect(next).toBeGreaterThan(before - 1000);
    expect(next).toBeLessThanOrEqual(before + DAY);
    expect((await syncRow(id)).next_run_at!.getTime()).toBe(next);
    // Nothing more to run for the missed days, even once the catch-up run has finished.
    await own.sql`update runs set status = 'succeeded', finished_at = now() where sync_id = ${id}`;
    expect((await claimAll()).filter((c) => c.syncId === id)).toEqual([]);
    expect(await scheduleRuns(id)).toHaveLength(1);
  });

  it("a sync whose range has ended gets no next run", async () => {
    const start = new Date(Date.now() - 5 * DAY);
    const last = new Date(new Date(utcStart(start) + ":00Z").getTime() + 2 * DAY);
    const id = await makeScheduledSync(own, {
      file,
      schedule: { start: utcStart(start), tz: "UTC", rrule: "FREQ=DAILY;COUNT=3" },
      nextRunAt: last,
    });
    const claimed = (await claimAll()).filter((c) => c.syncId === id);
    expect(claimed).toHaveLength(1);
    expect(claimed[0].nextRunAt).toBeNull();
    expect((await syncRow(id)).next_run_at).toBeNull();
    await own.sql`update runs set status = 'succeeded', finished_at = now() where sync_id = ${id}`;
    expect((await claimAll()).filter((c) => c.syncId === id)).toEqual([]);
  });

  it("a sync with an active run stays due and is claimed once that run has finished", async () => {
    const start = new Date(Date.now() - 3 * MIN);
    const id = await makeScheduledSync(own, {
      file,
      schedule: { start: utcStart(start), tz: "UTC", rrule: "FREQ=HOURLY" },
      nextRunAt: new Date(Date.now() - MIN),
    });
    const [manual] = await own.sql<{ id: string }[]>`
      insert into runs (sync_id, trigger, status, started_at, heartbeat_at) values (${id}, 'manual', 'running', now(), now()) returning id`;
    expect((await claimAll()).filter((c) => c.syncId === id)).toEqual([]);
    expect((await syncRow(id)).next_run_at!.getTime()).toBeLessThan(Date.now());
    await own.sql`update runs set status = 'succeeded', finished_at = now() where id = ${manual.id}`;
    const claimed = (await claimAll()).filter((c) => c.syncId === id);
    expect(claimed).toHaveLength(1);
  });

  it("drafts, deleted syncs, syncs without a next run and future ones are not claimed", async () => {
    const schedule = { start: utcStart(new Date(Date.now() - DAY)), tz: "UTC", rrule: "FREQ=DAILY" };
    const past = new Date(Date.now() - MIN);
    const draft = await makeScheduledSync(own, { file, schedule, nextRunAt: past });
    await own.sql`update syncs set state = 'draft' where id = ${draft}`;
    const deleted = await makeScheduledSync(own, { file, schedule, nextRunAt: past });
    await own.sql`update syncs set state = 'deleted' where id = ${deleted}`;
    const none = await makeScheduledSync(own, { file, schedule, nextRunAt: null });
    const future = await makeScheduledSync(own, { file, schedule, nextRunAt: new Date(Date.now() + MIN) });
    const claimed = (await claimAll()).map((c) => c.syncId);
    for (const id of [draft, deleted, none, future]) expect(claimed).not.toContain(id);
  });

  it("an invalid stored schedule, or an upload sync, clears next_run_at and runs nothing", async () => {
    const id = await makeScheduledSync(own, {
      file,
      schedule: { start: "2026-01-01T09:00", tz: "Mars/Base", rrule: "FREQ=DAILY" },
      nextRunAt: new Date(Date.now() - MIN),
    });
    const result = await claimDueSyncs(own.sql, { limit: 50 });
    expect(result.claimed.map((c) => c.syncId)).not.toContain(id);
    expect(result.invalid.find((i) => i.syncId === id)?.message).toMatch(/Unknown time zone/);
    expect((await syncRow(id)).next_run_at).toBeNull();
    expect(await scheduleRuns(id)).toEqual([]);

    const upload = await makeScheduledSync(own, {
      file,
      schedule: { start: "2026-01-01T09:00", tz: "UTC", rrule: "FREQ=DAILY" },
      nextRunAt: new Date(Date.now() - MIN),
    });
    await own.sql`update syncs set source_kind = 'upload', location = null where id = ${upload}`;
    const again = await claimDueSyncs(own.sql, { limit: 50 });
    expect(again.claimed.map((c) => c.syncId)).not.toContain(upload);
    expect(again.invalid.find((i) => i.syncId === upload)?.message).toMatch(/uploaded file cannot run on a schedule/);
    expect((await syncRow(upload)).next_run_at).toBeNull();
  });
});

describe("runs orphaned by a dead process", () => {
  it("are marked failed once their heartbeat is older than the timeout; live ones are kept", async () => {
    const schedule = { start: utcStart(new Date()), tz: "UTC", rrule: "FREQ=DAILY" };
    const a = await makeScheduledSync(own, { file, schedule, nextRunAt: null });
    const b = await makeScheduledSync(own, { file, schedule, nextRunAt: null });
    const c = await makeScheduledSync(own, { file, schedule, nextRunAt: null });
    const [dead] = await own.sql<{ id: string }[]>`
      insert into runs (sync_id, trigger, status, started_at, heartbeat_at) values (${a}, 'schedule', 'running', now() - interval '10 minutes', now() - interval '200 seconds') returning id`;
    const [neverStarted] = await own.sql<{ id: string }[]>`
      insert into runs (sync_id, trigger, status, queued_at) values (${b}, 'schedule', 'queued', now() - interval '200 seconds') returning id`;
    const [alive] = await own.sql<{ id: string }[]>`
      insert into runs (sync_id, trigger, status, started_at, heartbeat_at) values (${c}, 'schedule', 'running', now() - interval '10 minutes', now() - interval '200 seconds') returning id`;
    // The process running `alive` keeps its heartbeat fresh.
    await touchRuns(own.sql, [alive.id]);

    const failed = await failStaleRuns(own.sql, 120);
    expect(failed.map((f) => f.runId).sort()).toEqual([dead.id, neverStarted.id].sort());
    const rows = await own.sql<{ id: string; status: string; message: string | null; finished_at: Date | null }[]>`
      select id, status, message, finished_at from runs where id in (${dead.id}, ${neverStarted.id}, ${alive.id})`;
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(dead.id)).toMatchObject({ status: "failed", message: STALE_RUN_MESSAGE });
    expect(byId.get(dead.id)!.finished_at).not.toBeNull();
    expect(byId.get(neverStarted.id)!.status).toBe("failed");
    expect(byId.get(alive.id)!.status).toBe("running");
    // Finished runs are never touched again.
    expect(await failStaleRuns(own.sql, 120)).toEqual([]);
  });
});
