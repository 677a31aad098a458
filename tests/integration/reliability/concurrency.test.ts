import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { User } from "@/db/schema";
import { POST as goRoute } from "@/app/api/syncs/[id]/run/route";
import { setSessionReaderForTests } from "@/lib/auth/current-user";
import { passwordVersion } from "@/lib/auth/session";
import { claimDueSyncs } from "@/lib/schedule/claim";
import { executeRun, queueRun } from "@/lib/sync/run";
import { useDb } from "@/tests/support/db";
import { startHttpServer, type TestHttpServer } from "@/tests/support/servers/http";
import { makeUser } from "@/tests/integration/runs/fixtures";
import {
  contactsCsv,
  newManager,
  setSync,
  sleep,
  syncFromSpec,
  tempDir,
} from "@/tests/integration/reliability/helpers";

const { db, sql } = useDb();
const CSV = Buffer.from(contactsCsv(2000));
let server: TestHttpServer;
let editor: User;

beforeAll(async () => {
  // The file trickles out over ~1.5 s, so a run is still active while the second request arrives.
  server = await startHttpServer({
    root: tempDir(),
    routes: {
      "/slow.csv": (_req, res) => {
        res.writeHead(200, { "content-type": "text/csv", "content-length": CSV.length });
        const parts = 6;
        const size = Math.ceil(CSV.length / parts);
        let i = 0;
        const next = () => {
          if (i >= parts) return void res.end();
          res.write(CSV.subarray(i * size, (i + 1) * size));
          i++;
          setTimeout(next, 250);
        };
        next();
      },
    },
  });
  editor = await makeUser(db, "editor");
  setSessionReaderForTests(async () => ({ userId: editor.id, pv: passwordVersion(editor.passwordHash) }));
});
afterAll(async () => {
  setSessionReaderForTests(null);
  await server?.close();
});

const go = (syncId: string) =>
  goRoute(new Request(`http://127.0.0.1/api/syncs/${syncId}/run`, { method: "POST" }), {
    params: Promise.resolve({ id: syncId }),
  } as never);

async function slowSync() {
  const m = await newManager(db);
  return syncFromSpec(db, m, {
    kind: "http",
    location: `${server.url}/slow.csv`,
    folderMode: "newest",
    allowPrivateHosts: true,
  });
}

async function runsOf(syncId: string) {
  return sql<
    { id: string; status: string; trigger: string }[]
  >`select id, status, trigger from runs where sync_id = ${syncId} order by queued_at`;
}

async function waitIdle(syncId: string) {
  for (let i = 0; i < 300; i++) {
    const rows = await runsOf(syncId);
    if (!rows.some((r) => r.status === "queued" || r.status === "running")) return rows;
    await sleep(100);
  }
  throw new Error("runs did not finish");
}

describe("one run at a time per import", { timeout: 60_000 }, () => {
  it("two Go at once: one 202, the other 409 run_active; exactly one run", async () => {
    const s = await slowSync();
    const [a, b] = await Promise.all([go(s.id), go(s.id)]);
    const answers = [
      { status: a.status, body: await a.json() },
      { status: b.status, body: await b.json() },
    ].sort((x, y) => x.status - y.status);
    expect(answers[0]).toEqual({ status: 202, body: { runId: expect.any(String), dryRun: false } });
    expect(answers[1]).toMatchObject({
      status: 409,
      body: { error: { code: "run_active", message: expect.stringMatching(/already running/) } },
    });
    const rows = await waitIdle(s.id);
    expect(rows).toEqual([{ id: answers[0].body.runId, status: "succeeded", trigger: "manual" }]);
  });

  it("ten concurrent queueRun calls queue exactly one run", async () => {
    const s = await slowSync();
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => queueRun({ syncId: s.id, trigger: "manual" })),
    );
    const ok = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(9);
    for (const r of refused) expect(r.reason).toMatchObject({ code: "run_active", status: 409 });
    await executeRun((ok[0] as PromiseFulfilledResult<string>).value);
    expect((await runsOf(s.id)).map((r) => r.status)).toEqual(["succeeded"]);
  });

  it("Go while a scheduled run is active is refused; a due schedule while a Go runs is left for later", async () => {
    const s = await slowSync();
    await setSync(db, s.id, {
      schedule: { start: "2020-01-01T00:00", tz: "UTC", rrule: "FREQ=DAILY" },
      nextRunAt: new Date(Date.now() - 60_000),
    });
    const { claimed } = await claimDueSyncs(sql, { limit: 100 });
    const mine = claimed.filter((c) => c.syncId === s.id);
    expect(mine).toHaveLength(1);
    const scheduled = executeRun(mine[0].runId);
    await sleep(200);
    const refused = await go(s.id);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: { code: "run_active" } });
    expect(await scheduled).toMatchObject({ status: "succeeded", created: 2000 });
    expect((await runsOf(s.id)).map((r) => `${r.trigger}:${r.status}`)).toEqual(["schedule:succeeded"]);

    // The other way round: a Go is running when the schedule becomes due — no second run is claimed.
    const started = await go(s.id);
    expect(started.status).toBe(202);
    await setSync(db, s.id, { nextRunAt: new Date(Date.now() - 1000), alwaysImport: true });
    const again = await claimDueSyncs(sql, { limit: 100 });
    expect(again.claimed.filter((c) => c.syncId === s.id)).toEqual([]);
    const rows = await waitIdle(s.id);
    expect(rows.map((r) => r.trigger)).toEqual(["schedule", "manual"]);
  });
});
