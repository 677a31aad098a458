/**
 * SLOW (about 5 minutes): the acceptance scenario. Three separate Node processes run the scheduler on one
 * database; 20 syncs are due every minute for 5 minutes. Every occurrence must run exactly once: 100 runs,
 * no duplicates, none missed. Skip it with SCHEDULER_SKIP_SLOW=1.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { computeNextRunAt } from "@/lib/schedule/next-run";
import { nextOccurrences } from "@/lib/schedule/expand";
import { offsetAt } from "@/lib/schedule/timezone";
import {
  createOwnDatabase,
  makeScheduledSync,
  records,
  startInstance,
  stopInstance,
  waitFor,
  writeCsv,
  type Instance,
  type OwnDatabase,
} from "@/tests/integration/scheduler/fixtures";

const MIN = 60_000;
const SYNCS = 20;
const OCCURRENCES = 5;
const TZ = "Asia/Kathmandu"; // +05:45: the schedule's local minutes are not UTC's

let own: OwnDatabase;
const instances: Instance[] = [];
beforeAll(async () => {
  own = await createOwnDatabase();
});
afterAll(async () => {
  for (const i of instances) await stopInstance(i, "SIGKILL");
  if (process.env.SCHEDULER_TEST_LOGS) for (const i of instances) console.log(i.log().join("\n"));
  await own?.drop();
});

describe.skipIf(process.env.SCHEDULER_SKIP_SLOW === "1")(
  "SLOW: 3 scheduler instances, 20 syncs every minute for 5 minutes",
  () => {
    it("100 runs: each occurrence exactly once, none missed", { timeout: 420_000 }, async () => {
      // First occurrence: the first whole minute at least 20 s away (time for the instances to boot).
      const first = new Date(Math.ceil((Date.now() + 20_000) / MIN) * MIN);
      const start = new Date(first.getTime() + offsetAt(TZ, first.getTime())).toISOString().slice(0, 16);
      const schedule = { start, tz: TZ, rrule: `FREQ=MINUTELY;COUNT=${OCCURRENCES}` };
      const expected = nextOccurrences(schedule, new Date(first.getTime() - 1), 10).map((d) => d.toISOString());
      expect(expected).toHaveLength(OCCURRENCES);
      expect(expected[0]).toBe(first.toISOString());
      expect(computeNextRunAt(schedule)!.toISOString()).toBe(first.toISOString());

      const file = writeCsv(20);
      const ids: string[] = [];
      for (let i = 0; i < SYNCS; i++) ids.push(await makeScheduledSync(own, { file, schedule }));

      const env = { SCHEDULER_INTERVAL_SECONDS: "2", SCHEDULER_MAX_CONCURRENT_RUNS: "4", RUN_STALE_SECONDS: "120" };
      for (let i = 0; i < 3; i++) instances.push(startInstance(own.url, env));

      const last = new Date(expected[OCCURRENCES - 1]).getTime();
      await waitFor(
        "all occurrences to run",
        async () => {
          const [r] = await own.sql<{ done: number; pending: number }[]>`
          select (select count(*)::int from runs where trigger = 'schedule' and status not in ('queued', 'running')) as done,
                 (select count(*)::int from syncs where next_run_at is not null) as pending`;
          return r.done >= SYNCS * OCCURRENCES && r.pending === 0;
        },
        last - Date.now() + 90_000,
        1000,
      );
      await Promise.all(instances.map((i) => stopInstance(i, "SIGTERM")));

      const runs = await own.sql<
        { id: string; sync_id: string; status: string; scheduled_for: Date; started_at: Date }[]
      >`
      select id, sync_id, status, scheduled_for, started_at from runs where trigger = 'schedule'`;
      expect(runs).toHaveLength(SYNCS * OCCURRENCES);
      // Exactly once per (sync, occurrence), and exactly the expected occurrences for every sync.
      for (const id of ids) {
        const times = runs
          .filter((r) => r.sync_id === id)
          .map((r) => r.scheduled_for.toISOString())
          .sort();
        expect(times, id).toEqual(expected);
      }
      for (const r of runs) {
        expect(["succeeded", "skipped_unchanged"], r.id).toContain(r.status);
        // Not before its time, and not a late catch-up.
        expect(r.started_at.getTime()).toBeGreaterThanOrEqual(r.scheduled_for.getTime());
        expect(r.started_at.getTime() - r.scheduled_for.getTime()).toBeLessThan(45_000);
      }
      const [{ left }] = await own.sql<
        { left: number }[]
      >`select count(*)::int as left from syncs where next_run_at is not null`;
      expect(left).toBe(0);

      // Each run was executed by exactly one instance, and the work was shared.
      const executedBy = instances.map((i) =>
        records(i)
          .filter((r) => r.msg === "scheduler: scheduled run finished")
          .map((r) => r.runId as string),
      );
      const all = executedBy.flat();
      expect(all).toHaveLength(SYNCS * OCCURRENCES);
      expect(new Set(all).size).toBe(SYNCS * OCCURRENCES);
      expect(new Set(all)).toEqual(new Set(runs.map((r) => r.id)));
      expect(executedBy.filter((list) => list.length > 0).length).toBeGreaterThan(1);
    });
  },
);
