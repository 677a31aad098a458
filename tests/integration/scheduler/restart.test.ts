import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STALE_RUN_MESSAGE } from "@/lib/schedule/claim";
import {
  createOwnDatabase,
  makeScheduledSync,
  startInstance,
  stopInstance,
  utcStart,
  waitFor,
  writeCsv,
  type Instance,
  type OwnDatabase,
} from "@/tests/integration/scheduler/fixtures";

const MIN = 60_000;
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

type RunRow = { id: string; status: string; scheduled_for: Date | null; message: string | null };
const runsOf = (syncId: string) =>
  own.sql<RunRow[]>`select id, status, scheduled_for, message from runs where sync_id = ${syncId} order by queued_at`;

describe("instances stopping and starting (separate Node processes, ~1-2 min)", () => {
  it("one catch-up run after downtime; a run orphaned by a killed instance is marked failed by another", {
    timeout: 240_000,
  }, async () => {
    // X: due every minute, but every instance was down for the last 6 occurrences.
    const downSince = new Date(Math.floor((Date.now() - 6 * MIN) / MIN) * MIN);
    const x = await makeScheduledSync(own, {
      file: writeCsv(5),
      schedule: { start: utcStart(downSince), tz: "UTC", rrule: "FREQ=MINUTELY" },
      nextRunAt: downSince,
    });
    const env = { SCHEDULER_INTERVAL_SECONDS: "1", RUN_STALE_SECONDS: "10" };
    const upAgain = Date.now();
    const a = startInstance(own.url, env);
    instances.push(a);
    await waitFor(
      "X's catch-up run to finish",
      async () => (await runsOf(x)).find((r) => !["queued", "running"].includes(r.status)),
      120_000,
    );

    // Y: one occurrence and a big file, so its run is still going when the instance running it is killed.
    const yStart = new Date(Math.floor((Date.now() - MIN) / MIN) * MIN);
    const y = await makeScheduledSync(own, {
      file: writeCsv(200_000),
      schedule: { start: utcStart(yStart), tz: "UTC", rrule: "FREQ=MINUTELY;COUNT=1" },
      nextRunAt: yStart,
    });
    await own.sql`update syncs set error_email = 'ops@example.test' where id = ${y}`;
    const yRun = await waitFor(
      "Y's run to be running",
      async () => (await runsOf(y)).find((r) => r.status === "running"),
      60_000,
      100,
    );
    await stopInstance(a, "SIGKILL");

    const xRuns = await runsOf(x);
    expect(xRuns.filter((r) => r.scheduled_for?.getTime() === downSince.getTime())).toHaveLength(1);
    // One run for all the occurrences missed before the instance came up (later, on-time ones may follow).
    expect(xRuns.filter((r) => r.scheduled_for!.getTime() < upAgain)).toHaveLength(1);
    expect(["succeeded", "completed_with_errors", "skipped_unchanged"]).toContain(xRuns[0].status);
    const [xSync] = await own.sql<{ next_run_at: Date }[]>`select next_run_at from syncs where id = ${x}`;
    expect(xSync.next_run_at.getTime()).toBeGreaterThan(downSince.getTime() + 5 * MIN);

    expect((await runsOf(y)).find((r) => r.id === yRun.id)!.status).toBe("running");

    // Another instance finds the orphan once its heartbeat is older than RUN_STALE_SECONDS.
    const b = startInstance(own.url, env);
    instances.push(b);
    const failed = await waitFor(
      "the orphaned run to be marked failed",
      async () => (await runsOf(y)).find((r) => r.id === yRun.id && r.status === "failed"),
      60_000,
    );
    expect(failed.message).toBe(STALE_RUN_MESSAGE);
    // Its error email is queued once, by the instance that found it.
    const mails = await waitFor(
      "the error email",
      async () => {
        const rows = await own.sql<{ to: string }[]>`select "to" from notifications where run_id = ${yRun.id}`;
        return rows.length ? rows : undefined;
      },
      15_000,
    );
    expect(mails).toEqual([{ to: "ops@example.test" }]);
    // Nothing of the killed run was applied, and its only occurrence is not run again.
    const [{ count }] = await own.sql<{ count: number }[]>`
      select count(*)::int as count from contacts c join syncs s on s.manager_id = c.manager_id where s.id = ${y}`;
    expect(count).toBe(0);
    expect(await runsOf(y)).toHaveLength(1);
    const [ySync] = await own.sql<{ next_run_at: Date | null }[]>`select next_run_at from syncs where id = ${y}`;
    expect(ySync.next_run_at).toBeNull();

    await stopInstance(b, "SIGTERM");
    // Across both instances, no occurrence of X ran twice.
    const all = (await runsOf(x)).map((r) => r.scheduled_for!.toISOString());
    expect(new Set(all).size).toBe(all.length);
  });
});
