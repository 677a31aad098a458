import { describe, expect, it, vi } from "vitest";
import { sql } from "drizzle-orm";
import { renderToStaticMarkup } from "react-dom/server";
import { useDb } from "@/tests/support/db";
import { actAs, createTestUser } from "@/tests/integration/auth/helpers";
import { makeManager, makeRun, makeSync } from "@/tests/integration/runs/fixtures";

// Never start the engine (the sync's source is not reachable from here): approval only queues.
vi.mock("@/lib/runs/start", async (orig) => ({
  ...(await orig<typeof import("@/lib/runs/start")>()),
  executeInBackground: vi.fn(),
}));

import RunPage from "@/app/managers/[id]/imports/[syncId]/runs/[runId]/page";
import { approveBlockedRun } from "@/lib/runs/approve";
import { revertRun } from "@/lib/runs/revert";

const { db } = useDb();
const ago = (s: number) => new Date(Date.now() - s * 1000);

async function renderRunPage(managerId: string, syncId: string, runId: string): Promise<string> {
  const el = await RunPage({
    params: Promise.resolve({ id: managerId, syncId, runId }),
    searchParams: Promise.resolve({}),
  });
  return renderToStaticMarkup(el);
}

describe("run page: Approve and run", () => {
  it("offers Approve again when the approval run failed (the action accepts it)", async () => {
    const editor = await createTestUser(db, "editor");
    actAs(editor);
    const manager = await makeManager(db);
    const sync = await makeSync(db, manager.id, { deleteMissing: true });
    const blocked = await makeRun(db, sync.id, {
      trigger: "schedule",
      status: "blocked",
      updated: 40,
      deleted: 30,
      queuedAt: ago(120),
      startedAt: ago(120),
      finishedAt: ago(110),
    });
    await makeRun(db, sync.id, {
      trigger: "approval",
      status: "failed",
      approvesRunId: blocked.id,
      message: "Could not connect to files.example.test.",
      queuedAt: ago(60),
      startedAt: ago(60),
      finishedAt: ago(59),
    });

    const html = await renderRunPage(manager.id, sync.id, blocked.id);
    // The server action does accept a new approval of this run:
    await expect(
      approveBlockedRun(db, { runId: blocked.id, user: { id: editor.id, email: editor.email } }),
    ).resolves.toMatchObject({ runId: expect.any(String) });
    // ...but the page hides the button and says it is approved.
    expect(html).toContain("Approve and run");
  });

  it("does not offer Approve on a blocked run whose plan is stale (the action refuses it)", async () => {
    const editor = await createTestUser(db, "editor");
    actAs(editor);
    const manager = await makeManager(db);
    const sync = await makeSync(db, manager.id, { deleteMissing: true });
    const blocked = await makeRun(db, sync.id, {
      trigger: "schedule",
      status: "blocked",
      updated: 40,
      deleted: 30,
      queuedAt: ago(120),
      startedAt: ago(120),
      finishedAt: ago(110),
    });
    await makeRun(db, sync.id, {
      trigger: "manual",
      status: "succeeded",
      created: 1,
      queuedAt: ago(60),
      startedAt: ago(60),
      finishedAt: ago(59),
    });

    const html = await renderRunPage(manager.id, sync.id, blocked.id);
    await expect(
      approveBlockedRun(db, { runId: blocked.id, user: { id: editor.id, email: editor.email } }),
    ).rejects.toMatchObject({ code: "stale_approval" });
    expect(html).not.toContain("Approve and run");
  });
});

describe("run page: other approve / revert cases", () => {
  it("does not explain a blocked approval run with the 10% safety rule", async () => {
    const editor = await createTestUser(db, "editor");
    actAs(editor);
    const manager = await makeManager(db);
    const sync = await makeSync(db, manager.id, { deleteMissing: true });
    const blocked = await makeRun(db, sync.id, {
      trigger: "schedule",
      status: "blocked",
      updated: 40,
      deleted: 30,
      queuedAt: ago(120),
      startedAt: ago(120),
      finishedAt: ago(110),
    });
    const reason =
      "Not applied: the file has changed since the run you approved was blocked (that plan: 40 updated, 30 deleted). With this file the import would make 2 updated, 0 deleted. Approve this run if that is right.";
    const approval = await makeRun(db, sync.id, {
      trigger: "approval",
      status: "blocked",
      approvesRunId: blocked.id,
      updated: 2,
      deleted: 0,
      message: reason,
      queuedAt: ago(60),
      startedAt: ago(60),
      finishedAt: ago(59),
    });
    // The manager holds 1,000 contacts: 2 updates are 0.2 %, far below the 10 % threshold.
    await db.execute(sql`update managers set contact_count = 1000 where id = ${manager.id}`);
    const html = await renderRunPage(manager.id, sync.id, approval.id);
    expect(html).toContain("Not applied: the file has changed");
    // 2 of the contacts, triggered by an approval: neither "scheduled" nor "more than 10%".
    expect(html).not.toContain("This scheduled run would have updated or deleted more than");
  });

  it("does not offer Revert while an import of the same manager is running (the action refuses it)", async () => {
    const editor = await createTestUser(db, "editor");
    actAs(editor);
    const manager = await makeManager(db);
    const sync = await makeSync(db, manager.id);
    const other = await makeSync(db, manager.id);
    const run = await makeRun(db, sync.id, {
      trigger: "manual",
      status: "succeeded",
      created: 3,
      queuedAt: ago(120),
      startedAt: ago(120),
      finishedAt: ago(110),
    });
    await makeRun(db, other.id, {
      trigger: "manual",
      status: "running",
      queuedAt: ago(5),
      startedAt: ago(5),
      finishedAt: null,
    });

    const html = await renderRunPage(manager.id, sync.id, run.id);
    await expect(revertRun(db, { runId: run.id, user: { id: editor.id, email: editor.email } })).rejects.toMatchObject({
      code: "run_active",
    });
    expect(html).not.toContain("I want to undo the changes of this run");
  });
});
