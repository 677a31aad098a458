import { describe, expect, it } from "vitest";
import { useDb } from "@/tests/support/db";
import { actAs, createTestUser } from "@/tests/integration/auth/helpers";
import { makeManager, makeRun, makeSync } from "@/tests/integration/runs/fixtures";
import { GET } from "@/app/api/syncs/[id]/status/route";
import { listImports } from "@/lib/runs/queries";

const { db } = useDb();
const ago = (s: number) => new Date(Date.now() - s * 1000);

describe("GET /api/syncs/:id/status while a dry run is running", () => {
  it("reports the running dry run as the sync's current run, as the imports list does", async () => {
    const viewer = await createTestUser(db, "viewer");
    actAs(viewer);
    const manager = await makeManager(db);
    const sync = await makeSync(db, manager.id, { origin: "cli", sourceKind: "file", location: "/tmp/contacts.csv" });
    const done = await makeRun(db, sync.id, {
      trigger: "cli",
      status: "succeeded",
      rowsRead: 1000,
      queuedAt: ago(600),
      startedAt: ago(600),
      finishedAt: ago(590),
    });
    const dry = await makeRun(db, sync.id, {
      trigger: "cli",
      dryRun: true,
      status: "running",
      rowsRead: 500,
      queuedAt: ago(5),
      startedAt: ago(5),
      finishedAt: null,
    });

    const [row] = await listImports(db, { syncId: sync.id });
    expect(row.activeRun?.id).toBe(dry.id); // the list polls it as active

    const res = await GET(new Request(`http://localhost/api/syncs/${sync.id}/status`), {
      params: Promise.resolve({ id: sync.id }),
    });
    const body = await res.json();
    expect(res.status).toBe(200);
    // The run page of `dry` polls this endpoint and stops (router.refresh, no more polling) when run.id differs.
    expect({ active: body.active, runId: body.run?.id }).toEqual({ active: true, runId: dry.id });
    expect(body.run.id).not.toBe(done.id);
  });
});
