import journal from "@/db/migrations/meta/_journal.json";
import type { Sql } from "@/db/client";
import { env } from "@/lib/env";
import { currentScheduler } from "@/lib/schedule/scheduler";
import { isShuttingDown } from "@/lib/shutdown";

export type Check = { ok: boolean; detail: string };
export type Readiness = {
  ready: boolean;
  checks: { database: Check; migrations: Check; scheduler: Check; shutdown: Check };
};

/** The newest migration this build ships (drizzle records each applied one with its journal timestamp). */
const latest = journal.entries[journal.entries.length - 1];

/**
 * GET /api/ready: whether this instance should get traffic. The database answers; its migrations are at this
 * build's version (an instance started against an older or newer schema is not ready); the scheduler (when
 * enabled) beat within three intervals (at least 30 s); and the process is not shutting down.
 */
export async function checkReadiness(sql: Sql, scheduler = currentScheduler(), now = new Date()): Promise<Readiness> {
  const database: Check = { ok: false, detail: "unreachable" };
  const migrations: Check = { ok: false, detail: "not checked (database unreachable)" };
  try {
    await sql`select 1`;
    database.ok = true;
    database.detail = "reachable";
    const [row] = await sql<{ applied: string | null; count: number }[]>`
      select max(created_at)::text as applied, count(*)::int as count from drizzle.__drizzle_migrations`;
    const applied = row?.applied ? Number(row.applied) : null;
    migrations.ok = applied === latest.when;
    migrations.detail = migrations.ok
      ? `at ${latest.tag}`
      : `the database has ${row?.count ?? 0} migrations, the newest from ${applied ? new Date(applied).toISOString() : "none"}; this build expects ${latest.tag}`;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (database.ok) migrations.detail = `could not read the applied migrations: ${message}`;
    else database.detail = "unreachable";
  }

  let schedulerCheck: Check;
  if (!env.SCHEDULER_ENABLED) schedulerCheck = { ok: true, detail: "disabled" };
  else if (!scheduler?.lastBeatAt) schedulerCheck = { ok: false, detail: "no heartbeat yet" };
  else {
    const age = (now.getTime() - scheduler.lastBeatAt.getTime()) / 1000;
    const limit = Math.max(3 * scheduler.intervalSeconds, 30);
    schedulerCheck = { ok: age <= limit, detail: `last heartbeat ${Math.round(age)} s ago (limit ${limit} s)` };
  }
  const stopping = isShuttingDown();
  const shutdown = { ok: !stopping, detail: stopping ? "shutting down" : "running" };
  const checks = { database, migrations, scheduler: schedulerCheck, shutdown };
  return { ready: Object.values(checks).every((c) => c.ok), checks };
}
