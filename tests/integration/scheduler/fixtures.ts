/**
 * Scheduler tests work in a database of their own (made from DATABASE_URL's server, migrated, dropped after):
 * a scheduler claims every due sync in its database, so sharing the suite's scratch database would let it
 * run other tests' syncs, and theirs ours.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
import postgres from "postgres";
import { drizzle } from "drizzle-orm/postgres-js";
import { runMigrations } from "@/db/migrate";
import * as schema from "@/db/schema";
import type { Schedule } from "@/db/schema";
import { createManager } from "@/lib/managers/queries";
import { computeNextRunAt } from "@/lib/schedule/next-run";
import { uniqueName } from "@/tests/support/db";

export const root = path.resolve(__dirname, "../../..");

export type OwnDatabase = {
  url: string;
  sql: postgres.Sql;
  db: ReturnType<typeof drizzle<typeof schema>>;
  drop(): Promise<void>;
};

export async function createOwnDatabase(): Promise<OwnDatabase> {
  const base = process.env.DATABASE_URL;
  if (!base)
    throw new Error(
      "Integration tests need DATABASE_URL: run them through `npm test` / scripts/with-database.ts --test.",
    );
  const name = `contact_sync_sched_${randomBytes(4).toString("hex")}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  const url = u.toString();
  await runMigrations(url);
  const sql = postgres(url, { max: 10, onnotice: () => {} });
  const dsql = postgres(url, { max: 4, onnotice: () => {} });
  return {
    url,
    sql,
    db: drizzle(dsql, { schema }),
    async drop() {
      await Promise.all([sql.end({ timeout: 5 }), dsql.end({ timeout: 5 })]);
      const a = postgres(base, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
      await a.end();
    },
  };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scheduler-test-"));

export function writeCsv(rows: number, name = uniqueName("contacts") + ".csv"): string {
  const lines = ["Email,First"];
  for (let i = 0; i < rows; i++) lines.push(`person${i}@example.test,Name ${i}`);
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

/** An active sync reading a local CSV (Email → key and Email, First → First Name) on a schedule. */
export async function makeScheduledSync(
  own: OwnDatabase,
  opts: { file: string; schedule: Schedule; nextRunAt?: Date | null; alwaysImport?: boolean },
): Promise<string> {
  const m = await createManager(own.db, { name: uniqueName("sched-mgr") });
  const field = (label: string) => m.fields.find((f) => f.label === label)!.id;
  const nextRunAt = opts.nextRunAt === undefined ? computeNextRunAt(opts.schedule) : opts.nextRunAt;
  const [s] = await own.db
    .insert(schema.syncs)
    .values({
      managerId: m.id,
      name: uniqueName("sched-sync"),
      state: "active",
      sourceKind: "file",
      location: opts.file,
      mapping: {
        keyColumn: "Email",
        autoKey: false,
        columns: [
          { column: "Email", fieldId: field("Email") },
          { column: "First", fieldId: field("First Name") },
        ],
      },
      alwaysImport: opts.alwaysImport ?? true,
      schedule: opts.schedule,
      nextRunAt,
    })
    .returning();
  return s.id;
}

/** Local "YYYY-MM-DDTHH:MM" in UTC for an instant (schedules in these tests use tz UTC). */
export function utcStart(d: Date): string {
  return d.toISOString().slice(0, 16);
}

export type Instance = { child: ChildProcess; log: () => string[]; exited: Promise<number | null> };

/** A separate Node process running the scheduler exactly as instrumentation.ts starts it. */
export function startInstance(url: string, env: Record<string, string> = {}): Instance {
  const lines: string[] = [];
  const child = spawn(process.execPath, ["--import", "tsx", "tests/integration/scheduler/instance.ts"], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: url,
      SCHEDULER_ENABLED: "true",
      SCHEDULER_INTERVAL_SECONDS: "2",
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "inherit", "pipe"],
  });
  let rest = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    const text = rest + chunk.toString("utf8");
    const parts = text.split("\n");
    rest = parts.pop()!;
    lines.push(...parts);
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, log: () => [...lines], exited };
}

/** Stop an instance: SIGTERM (graceful, waits for its runs) or SIGKILL (a crash). */
export async function stopInstance(i: Instance, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (i.child.exitCode === null && i.child.signalCode === null) i.child.kill(signal);
  await i.exited;
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs: number,
  everyMs = 250,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Log records of one instance (JSON lines on stderr). */
export function records(i: Instance): Record<string, unknown>[] {
  return i
    .log()
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
