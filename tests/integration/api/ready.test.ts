import { describe, expect, it } from "vitest";
import { GET } from "@/app/api/ready/route";
import { checkReadiness } from "@/lib/readiness";
import { Scheduler } from "@/lib/schedule/scheduler";
import { useDb } from "@/tests/support/db";

const { sql } = useDb();

describe("GET /api/ready", () => {
  it("is 503 with each check's detail while this process's scheduler has not beaten", async () => {
    const res = await GET();
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body.status).toBe("not_ready");
    expect(body.checks.database).toEqual({ ok: true, detail: "reachable" });
    expect(body.checks.migrations.ok).toBe(true);
    expect(body.checks.migrations.detail).toMatch(/^at \d{4}_/);
    expect(body.checks.scheduler).toEqual({ ok: false, detail: "no heartbeat yet" });
    expect(body.checks.shutdown).toEqual({ ok: true, detail: "running" });
  });

  it("is ready once the scheduler beat, and not when the beat is older than three intervals", async () => {
    const scheduler = new Scheduler({ intervalSeconds: 5 });
    scheduler.lastBeatAt = new Date(); // as after a beat (a real tick would claim other tests' due syncs)
    const fresh = await checkReadiness(sql, scheduler);
    expect(fresh.ready).toBe(true);
    const later = new Date(scheduler.lastBeatAt!.getTime() + 31_000);
    const stale = await checkReadiness(sql, scheduler, later);
    expect(stale.ready).toBe(false);
    expect(stale.checks.scheduler.detail).toBe("last heartbeat 31 s ago (limit 30 s)");
  });

  it("is not ready when the database's migrations are not at this build's version", async () => {
    const scheduler = new Scheduler({ intervalSeconds: 5 });
    scheduler.lastBeatAt = new Date(); // as after a beat (a real tick would claim other tests' due syncs)
    const rollback = new Error("rollback");
    const result = await sql
      .begin(async (tx) => {
        await tx`delete from drizzle.__drizzle_migrations where created_at = (select max(created_at) from drizzle.__drizzle_migrations)`;
        const r = await checkReadiness(tx as unknown as typeof sql, scheduler);
        throw Object.assign(rollback, { r });
      })
      .catch((e) =>
        e === rollback ? (e as Error & { r: Awaited<ReturnType<typeof checkReadiness>> }).r : Promise.reject(e),
      );
    expect(result.ready).toBe(false);
    expect(result.checks.migrations.ok).toBe(false);
    expect(result.checks.migrations.detail).toMatch(/this build expects \d{4}_/);
  });

  it("is 503 when the database is unreachable", async () => {
    const postgres = (await import("postgres")).default;
    const dead = postgres("postgres://nobody@127.0.0.1:1/none", { max: 1, connect_timeout: 2 });
    const r = await checkReadiness(dead, undefined);
    expect(r.ready).toBe(false);
    expect(r.checks.database).toEqual({ ok: false, detail: "unreachable" });
    await dead.end({ timeout: 0 });
  });
});
