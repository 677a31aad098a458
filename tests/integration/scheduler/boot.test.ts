import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb } from "@/db/client";
import { reloadEnv } from "@/lib/env";
import { computeNextRunAt, Scheduler, stopScheduler } from "@/lib/schedule/scheduler";
import { register } from "@/instrumentation";
import {
  createOwnDatabase,
  makeScheduledSync,
  utcStart,
  waitFor,
  writeCsv,
  type OwnDatabase,
} from "@/tests/integration/scheduler/fixtures";

const g = globalThis as unknown as { __contactSyncScheduler?: Scheduler; __contactSyncSchedulerBooted?: boolean };
let own: OwnDatabase;
const saved = { ...process.env };

beforeAll(async () => {
  own = await createOwnDatabase();
  // This file's process talks to its own database only (getDb/getSql read DATABASE_URL through env).
  process.env.DATABASE_URL = own.url;
  process.env.SCHEDULER_INTERVAL_SECONDS = "1";
  reloadEnv();
});
afterAll(async () => {
  await stopScheduler();
  await closeDb();
  process.env = saved;
  reloadEnv();
  await own?.drop();
});

describe("instrumentation register()", () => {
  it("does nothing outside the Node.js runtime or when SCHEDULER_ENABLED=false", async () => {
    delete process.env.NEXT_RUNTIME;
    await register();
    process.env.NEXT_RUNTIME = "edge";
    await register();
    expect(g.__contactSyncScheduler).toBeUndefined();
    process.env.NEXT_RUNTIME = "nodejs";
    process.env.SCHEDULER_ENABLED = "false";
    reloadEnv();
    await register();
    expect(g.__contactSyncScheduler).toBeUndefined();
    expect(g.__contactSyncSchedulerBooted).toBeUndefined();
  });

  it("starts one scheduler per process in the Node.js runtime, which runs due syncs through the engine", async () => {
    process.env.NEXT_RUNTIME = "nodejs";
    process.env.SCHEDULER_ENABLED = "true";
    reloadEnv();
    await register();
    const first = g.__contactSyncScheduler;
    expect(first?.running).toBe(true);
    await register();
    await register();
    expect(g.__contactSyncScheduler).toBe(first);

    const start = new Date(Date.now() - 90_000);
    const schedule = { start: utcStart(start), tz: "UTC", rrule: "FREQ=DAILY" };
    const id = await makeScheduledSync(own, {
      file: writeCsv(4),
      schedule,
      nextRunAt: new Date(utcStart(start) + ":00Z"),
    });
    const run = await waitFor(
      "the scheduled run",
      async () =>
        (
          await own.sql<
            { status: string; trigger: string; created: number }[]
          >`select status, trigger, created from runs where sync_id = ${id}`
        ).find((r) => !["queued", "running"].includes(r.status)),
      60_000,
    );
    expect(run).toMatchObject({ status: "succeeded", trigger: "schedule", created: 4 });
    const [row] = await own.sql<{ next_run_at: Date }[]>`select next_run_at from syncs where id = ${id}`;
    expect(row.next_run_at.toISOString()).toBe(computeNextRunAt(schedule)!.toISOString());
  });
});

describe("scheduler heartbeat and the email outbox", () => {
  it("retries error emails that are due, so a failed delivery does not wait for the next email", async () => {
    delete process.env.RESEND_API_KEY;
    reloadEnv();
    const [msg] = await own.sql<{ id: string }[]>`
      insert into notifications ("to", subject, body, status, attempts, next_attempt_at)
      values ('ops@example.test', 'Import failed', 'body', 'pending', 1, now() - interval '1 minute') returning id`;
    await new Scheduler({ intervalSeconds: 3600 }).tick();
    const [row] = await own.sql<{ status: string }[]>`select status from notifications where id = ${msg.id}`;
    // No RESEND_API_KEY: the message is logged and kept, as a delivery would have marked it sent.
    expect(row.status).toBe("logged");
  });
});
