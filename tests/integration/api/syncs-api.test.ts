import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { useDb } from "@/tests/support/db";
import { auditLog, runs, type User } from "@/db/schema";
import { setSessionReaderForTests } from "@/lib/auth/current-user";
import { passwordVersion } from "@/lib/auth/session";
import { GET as listSyncs } from "@/app/api/syncs/route";
import { GET as syncStatus } from "@/app/api/syncs/[id]/status/route";
import { POST as runSync } from "@/app/api/syncs/[id]/run/route";
import { addRunErrors, makeManager, makeRun, makeSync, makeUser } from "@/tests/integration/runs/fixtures";

const { db } = useDb();
let signedIn: User | null = null;
let csvServer: http.Server;
let csvUrl = "";

beforeAll(async () => {
  setSessionReaderForTests(async () =>
    signedIn ? { userId: signedIn.id, pv: passwordVersion(signedIn.passwordHash) } : null,
  );
  // The remote source "Go" fetches: a CSV on a loopback HTTP server.
  csvServer = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/csv" });
    res.end("Email,First Name\nann@example.test,Ann\nbob@example.test,Bob\n");
  });
  await new Promise<void>((r) => csvServer.listen(0, "127.0.0.1", r));
  csvUrl = `http://127.0.0.1:${(csvServer.address() as AddressInfo).port}/contacts.csv`;
});
afterAll(async () => {
  setSessionReaderForTests(null);
  await new Promise<void>((r) => csvServer.close(() => r()));
});

const as = (user: User | null) => {
  signedIn = user;
};
const ctx = (id?: string) => ({ params: Promise.resolve(id === undefined ? {} : { id }) }) as never;
const get = (path: string) => new Request(`http://127.0.0.1${path}`);
const post = (path: string) => new Request(`http://127.0.0.1${path}`, { method: "POST" });
const missing = "7d3f4c2a-1b2c-4d5e-8f90-123456789abc";

async function waitForIdle(syncId: string) {
  for (let i = 0; i < 150; i++) {
    const res = await syncStatus(get(`/api/syncs/${syncId}/status`), ctx(syncId));
    const body = await res.json();
    if (!body.active) return body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the run did not finish");
}

async function remoteSync(managerId: string) {
  const manager = await import("@/lib/managers/queries").then((m) => m.getManager(db, managerId));
  const email = manager!.fields.find((f) => f.role === "email")!.id;
  const first = manager!.fields.find((f) => f.role === "first_name")!.id;
  return makeSync(db, managerId, {
    sourceKind: "http",
    location: csvUrl,
    allowPrivateHosts: true,
    mapping: {
      keyColumn: "Email",
      autoKey: false,
      columns: [
        { column: "Email", fieldId: email },
        { column: "First Name", fieldId: first },
      ],
    },
  });
}

describe("GET /api/syncs", () => {
  it("needs a session", async () => {
    as(null);
    const res = await listSyncs(get("/api/syncs"), ctx());
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: "unauthenticated", message: expect.any(String) } });
  });

  it("lists a manager's imports with latest run, status and errors for a viewer", async () => {
    as(await makeUser(db, "viewer"));
    const manager = await makeManager(db);
    const ok = await makeSync(db, manager.id, { name: "A ok" });
    const warn = await makeSync(db, manager.id, {
      name: "B warn",
      nextRunAt: new Date("2030-01-02T08:00:00Z"),
      schedule: { start: "2029-12-01T09:00", tz: "Europe/Paris", rrule: "FREQ=DAILY" },
    });
    const gone = await makeSync(db, manager.id, { name: "C deleted", state: "deleted" });
    await makeRun(db, ok.id, { status: "succeeded", created: 2 });
    const bad = await makeRun(db, warn.id, { status: "completed_with_errors", created: 1 });
    await addRunErrors(db, bad.id, [
      { line: 3, column: "Email", message: "not an email address" },
      ...Array.from({ length: 7 }, (_, i) => ({ line: 10 + i, column: "Language", message: "unknown language" })),
    ]);

    const res = await listSyncs(get(`/api/syncs?managerId=${manager.id}`), ctx());
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const { syncs } = await res.json();
    expect(syncs.map((s: { name: string }) => s.name)).toEqual(["A ok", "B warn"]);
    expect(syncs[0]).toMatchObject({
      status: "ok",
      latestRun: { status: "succeeded", created: 2 },
      activeRun: null,
      errors: [],
    });
    expect(syncs[1]).toMatchObject({
      status: "errors",
      nextRunAt: "2030-01-02T08:00:00.000Z",
      schedule: { tz: "Europe/Paris" },
      moreErrors: 3,
    });
    expect(syncs[1].errors[0]).toBe("Line 3, Email: not an email address");
    expect(syncs[1].errors).toHaveLength(5);
    expect(JSON.stringify(syncs)).not.toContain(gone.id);
    expect(JSON.stringify(syncs)).not.toMatch(/secret|password/i);
  });

  it("pages with limit and opaque cursors, both ways, in name order, with no gaps or repeats", async () => {
    as(await makeUser(db, "viewer"));
    const manager = await makeManager(db);
    const created: string[] = [];
    // Two syncs share a name (ties broken by created_at, then id); the list is ordered by name.
    for (const name of ["E", "B", "D", "A", "C", "C"]) created.push((await makeSync(db, manager.id, { name })).id);
    const list = async (qs: string) => {
      const res = await listSyncs(get(`/api/syncs?managerId=${manager.id}&${qs}`), ctx());
      expect(res.status).toBe(200);
      return (await res.json()) as {
        syncs: { id: string; name: string }[];
        nextCursor: string | null;
        prevCursor: string | null;
      };
    };
    const all = await list("limit=500");
    expect(all.syncs.map((s) => s.name)).toEqual(["A", "B", "C", "C", "D", "E"]);
    expect(all.nextCursor).toBeNull();
    expect(all.prevCursor).toBeNull();

    const pages: string[][] = [];
    let page = await list("limit=4");
    expect(page.prevCursor).toBeNull();
    pages.push(page.syncs.map((s) => s.id));
    while (page.nextCursor) {
      page = await list(`limit=4&after=${page.nextCursor}`);
      pages.push(page.syncs.map((s) => s.id));
    }
    expect(pages.map((p) => p.length)).toEqual([4, 2]);
    expect(pages.flat()).toEqual(all.syncs.map((s) => s.id));
    expect(page.prevCursor).not.toBeNull();

    const back = await list(`limit=4&before=${page.prevCursor}`);
    expect(back.syncs.map((s) => s.id)).toEqual(pages[0]);
    expect(back.prevCursor).toBeNull();
    expect(back.nextCursor).not.toBeNull();

    // A page in the middle, both ways.
    const mid = await list(`limit=2&after=${(await list("limit=2")).nextCursor}`);
    expect(mid.syncs.map((s) => s.name)).toEqual(["C", "C"]);
    expect((await list(`limit=2&before=${mid.prevCursor}`)).syncs.map((s) => s.name)).toEqual(["A", "B"]);
    expect((await list(`limit=2&after=${mid.nextCursor}`)).syncs.map((s) => s.name)).toEqual(["D", "E"]);
  });

  it("shows the newest finished run (not a dry run) next to the active one, with many runs per sync", async () => {
    as(await makeUser(db, "viewer"));
    const manager = await makeManager(db);
    const sync = await makeSync(db, manager.id, { name: "many runs" });
    const at = (h: number) => new Date(Date.UTC(2026, 0, 1, h));
    for (let h = 0; h < 30; h++)
      await makeRun(db, sync.id, { status: h % 3 ? "succeeded" : "failed", created: h, queuedAt: at(h) });
    await makeRun(db, sync.id, { status: "succeeded", dryRun: true, created: 99, queuedAt: at(40) });
    await makeRun(db, sync.id, { status: "running", finishedAt: null, queuedAt: at(41) });
    const res = await listSyncs(get(`/api/syncs?managerId=${manager.id}`), ctx());
    const { syncs } = await res.json();
    expect(syncs).toHaveLength(1);
    expect(syncs[0]).toMatchObject({
      status: "running",
      latestRun: { created: 29, status: "succeeded" },
      activeRun: { status: "running" },
    });
  });

  it("rejects a bad limit or a tampered cursor", async () => {
    as(await makeUser(db, "viewer"));
    for (const qs of ["limit=0", "limit=501", "limit=abc", "limit=1.5"]) {
      const res = await listSyncs(get(`/api/syncs?${qs}`), ctx());
      expect(res.status, qs).toBe(400);
      expect((await res.json()).error.code).toBe("invalid_query");
    }
    for (const qs of ["after=garbage!", `before=${Buffer.from('["a","b","not a date","x"]').toString("base64url")}`]) {
      const res = await listSyncs(get(`/api/syncs?${qs}`), ctx());
      expect(res.status, qs).toBe(400);
      expect((await res.json()).error).toEqual({
        code: "invalid_cursor",
        message: expect.stringContaining("no longer valid"),
      });
    }
  });

  it("rejects a cursor whose time cannot exist (month 13, day 45, offset +99) as invalid_cursor, not a 500", async () => {
    as(await makeUser(db, "viewer"));
    const id = "00000000-0000-4000-8000-000000000000";
    const cursor = (t: string) => Buffer.from(JSON.stringify(["a", "b", t, id])).toString("base64url");
    for (const qs of [
      `after=${cursor("2026-13-45 10:00:00+00")}`,
      `before=${cursor("2026-03-01 10:00:00+99")}`,
      `after=${cursor("2026-02-30 10:00:00+00")}`,
      `before=${cursor("2026-03-01 24:00:00+00")}`,
    ]) {
      const res = await listSyncs(get(`/api/syncs?${qs}`), ctx());
      expect(res.status, qs).toBe(400);
      expect((await res.json()).error.code, qs).toBe("invalid_cursor");
    }
    // A real position still works, including a leap day and a half-hour offset.
    for (const t of ["2028-02-29 23:59:59.999999+00", "2026-03-01 10:00:00+05:30"]) {
      const res = await listSyncs(get(`/api/syncs?after=${cursor(t)}`), ctx());
      expect(res.status, t).toBe(200);
    }
  });

  it("rejects a managerId that is not a UUID", async () => {
    as(await makeUser(db, "viewer"));
    const res = await listSyncs(get("/api/syncs?managerId=1%20or%201=1"), ctx());
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe("invalid_query");
  });
});

describe("GET /api/syncs/:id/status", () => {
  it("shows the active run with progress, and 404 for unknown or malformed ids", async () => {
    as(await makeUser(db, "viewer"));
    const manager = await makeManager(db);
    const sync = await makeSync(db, manager.id);
    await makeRun(db, sync.id, { status: "succeeded", rowsRead: 1000, queuedAt: new Date(Date.now() - 60_000) });
    await makeRun(db, sync.id, {
      status: "running",
      finishedAt: null,
      startedAt: new Date(Date.now() - 10_000),
      rowsRead: 250,
      bytesRead: 5_000,
      bytesTotal: 20_000,
    });
    const res = await syncStatus(get(`/api/syncs/${sync.id}/status`), ctx(sync.id));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      syncId: sync.id,
      active: true,
      run: {
        status: "running",
        progress: { rowsRead: 250, bytesRead: 5000, bytesTotal: 20000, percent: 25, basis: "bytes" },
      },
    });
    expect(body.run.progress.etaSeconds).toBeGreaterThan(20);
    expect(body.run.progress.etaSeconds).toBeLessThan(40);

    expect((await syncStatus(get(`/api/syncs/${missing}/status`), ctx(missing))).status).toBe(404);
    const bad = await syncStatus(get("/api/syncs/abc/status"), ctx("abc"));
    expect(bad.status).toBe(404);
    expect((await bad.json()).error.code).toBe("not_found");
  });
});

describe("POST /api/syncs/:id/run", () => {
  it("401 without a session, 403 for a viewer", async () => {
    const manager = await makeManager(db);
    const sync = await makeSync(db, manager.id);
    as(null);
    expect((await runSync(post(`/api/syncs/${sync.id}/run`), ctx(sync.id))).status).toBe(401);
    as(await makeUser(db, "viewer"));
    const res = await runSync(post(`/api/syncs/${sync.id}/run`), ctx(sync.id));
    expect(res.status).toBe(403);
    expect((await res.json()).error.code).toBe("forbidden");
    expect(await db.select().from(runs).where(eq(runs.syncId, sync.id))).toHaveLength(0);
  });

  it("400 for an upload sync or a draft, 404 for unknown or deleted syncs", async () => {
    as(await makeUser(db, "editor"));
    const manager = await makeManager(db);
    const upload = await makeSync(db, manager.id, { sourceKind: "upload", location: null });
    const draft = await makeSync(db, manager.id, { state: "draft" });
    const deleted = await makeSync(db, manager.id, { state: "deleted" });
    const r1 = await runSync(post(`/api/syncs/${upload.id}/run`), ctx(upload.id));
    expect(r1.status).toBe(400);
    expect((await r1.json()).error).toMatchObject({
      code: "not_remote",
      message: expect.stringContaining("uploaded file"),
    });
    expect((await runSync(post(`/api/syncs/${draft.id}/run`), ctx(draft.id))).status).toBe(400);
    expect((await runSync(post(`/api/syncs/${deleted.id}/run`), ctx(deleted.id))).status).toBe(404);
    expect((await runSync(post(`/api/syncs/${missing}/run`), ctx(missing))).status).toBe(404);
    expect((await runSync(post("/api/syncs/x/run"), ctx("x"))).status).toBe(404);
  });

  it("202 with the run id, runs the import, 409 while it is active; audit-logged", async () => {
    const editor = await makeUser(db, "editor");
    as(editor);
    const manager = await makeManager(db);
    const sync = await remoteSync(manager.id);

    const res = await runSync(post(`/api/syncs/${sync.id}/run`), ctx(sync.id));
    expect(res.status).toBe(202);
    const { runId } = await res.json();
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
    const [entry] = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "run.start"), eq(auditLog.targetId, sync.id)));
    expect(entry.userId).toBe(editor.id);

    const done = await waitForIdle(sync.id);
    expect(done.run).toMatchObject({ id: runId, status: "succeeded", created: 2, trigger: "manual" });
    const [row] = await db.select().from(runs).where(eq(runs.id, runId));
    expect(row.requestedBy).toBe(editor.id);

    // While a run is queued, a second Go is refused.
    await makeRun(db, sync.id, { status: "queued", finishedAt: null, startedAt: null });
    const again = await runSync(post(`/api/syncs/${sync.id}/run`), ctx(sync.id));
    expect(again.status).toBe(409);
    expect((await again.json()).error.code).toBe("run_active");
  });

  it("refuses a second Go sent at the same moment (one run per sync)", async () => {
    as(await makeUser(db, "editor"));
    const manager = await makeManager(db);
    const sync = await remoteSync(manager.id);
    const [a, b] = await Promise.all([
      runSync(post(`/api/syncs/${sync.id}/run`), ctx(sync.id)),
      runSync(post(`/api/syncs/${sync.id}/run`), ctx(sync.id)),
    ]);
    expect([a.status, b.status].sort()).toEqual([202, 409]);
    await waitForIdle(sync.id);
  });
});
