import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { runs } from "@/db/schema";
import { createApiToken } from "@/lib/auth/api-tokens";
import { setSessionReaderForTests } from "@/lib/auth/current-user";
import * as managersRoute from "@/app/api/managers/route";
import * as managerRoute from "@/app/api/managers/[id]/route";
import * as fieldsRoute from "@/app/api/managers/[id]/fields/route";
import * as contactsRoute from "@/app/api/managers/[id]/contacts/route";
import * as exportRoute from "@/app/api/managers/[id]/export/route";
import * as pushRoute from "@/app/api/syncs/[id]/upload/route";
import * as syncRunsRoute from "@/app/api/syncs/[id]/runs/route";
import * as runRoute from "@/app/api/runs/[id]/route";
import * as errorsRoute from "@/app/api/runs/[id]/errors/route";
import * as revertRoute from "@/app/api/runs/[id]/revert/route";
import { createTestUser } from "@/tests/integration/auth/helpers";
import { makeSync } from "@/tests/integration/runs/fixtures";
import { uniqueName, useDb } from "@/tests/support/db";

/** A script's whole day with one editor token: make a manager, push a file, read the run, its errors, revert. */
const { db } = useDb();
afterEach(() => setSessionReaderForTests(null));
const base = "http://127.0.0.1:3000";

async function editorToken() {
  const u = await createTestUser(db, "editor");
  return (await createApiToken(db, { name: "flow", role: "editor", userId: u.id, creator: null })).token;
}

function call<P extends Record<string, string>>(
  handler: (req: Request, ctx: { params: Promise<P> }) => Promise<Response>,
  token: string,
  method: string,
  path: string,
  params: P,
  body?: BodyInit,
  headers: Record<string, string> = {},
) {
  return handler(
    new Request(`${base}${path}`, { method, body, headers: { authorization: `Bearer ${token}`, ...headers } }),
    { params: Promise.resolve(params) },
  );
}

async function finished(runId: string) {
  for (let i = 0; i < 200; i++) {
    const [r] = await db.select().from(runs).where(eq(runs.id, runId));
    if (r && !["queued", "running"].includes(r.status)) return r;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error("run did not finish");
}

describe("the JSON API with a token", () => {
  it("manager, push, run, errors (JSON and CSV), contacts, export, revert", async () => {
    const token = await editorToken();
    const created = await call(
      managersRoute.POST,
      token,
      "POST",
      "/api/managers",
      {},
      JSON.stringify({ name: uniqueName("flow"), fields: [{ label: "Team" }] }),
    );
    expect(created.status).toBe(201);
    const m = await created.json();
    expect(m.fields.map((f: { label: string }) => f.label)).toContain("Team");
    const badName = await call(
      managersRoute.POST,
      token,
      "POST",
      "/api/managers",
      {},
      JSON.stringify({ name: "a\nb" }),
    );
    expect(badName.status).toBe(400);
    expect((await badName.json()).error.message).toMatch(/control characters/);
    const field = await call(
      fieldsRoute.POST,
      token,
      "POST",
      `/api/managers/${m.id}/fields`,
      { id: m.id },
      JSON.stringify({ label: "City" }),
    );
    expect(field.status).toBe(201);
    const renamed = await call(
      managerRoute.PATCH,
      token,
      "PATCH",
      `/api/managers/${m.id}`,
      { id: m.id },
      JSON.stringify({ name: `${m.name}-2` }),
    );
    expect((await renamed.json()).name).toBe(`${m.name}-2`);

    const sync = await makeSync(db, m.id, {
      sourceKind: "upload",
      location: null,
      mapping: { columns: [], keyColumn: "Email", autoKey: false, autoMap: true },
    });
    const csv = "Email,Team\nann@example.org,Red\nbob@example.org,Blue\nnot-an-email,Green\n";
    const pushed = await call(pushRoute.POST, token, "POST", `/api/syncs/${sync.id}/upload`, { id: sync.id }, csv, {
      "content-type": "text/csv",
      "x-filename": "nightly.csv",
    });
    expect(pushed.status).toBe(202);
    const { runId } = await pushed.json();
    const run = await finished(runId);
    expect(run.trigger).toBe("upload");

    const detail = await (await call(runRoute.GET, token, "GET", `/api/runs/${runId}`, { id: runId })).json();
    expect(detail).toMatchObject({ id: runId, syncId: sync.id, status: run.status, created: run.created, plan: null });
    expect(detail.created).toBeGreaterThan(0);
    const list = await (
      await call(syncRunsRoute.GET, token, "GET", `/api/syncs/${sync.id}/runs?limit=1`, { id: sync.id })
    ).json();
    expect(list.runs[0].id).toBe(runId);
    expect(list).toMatchObject({ nextCursor: null, prevCursor: null });

    const errors = await (
      await call(errorsRoute.GET, token, "GET", `/api/runs/${runId}/errors?limit=1`, { id: runId })
    ).json();
    expect(errors.errors.length).toBe(Math.min(1, run.errorCount));
    const csvErrors = await call(errorsRoute.GET, token, "GET", `/api/runs/${runId}/errors?format=csv`, { id: runId });
    expect(csvErrors.headers.get("content-type")).toMatch(/text\/csv/);
    expect((await csvErrors.text()).split("\n")[0]).toMatch(/Line/);

    const contacts = await (
      await call(contactsRoute.GET, token, "GET", `/api/managers/${m.id}/contacts?limit=1&key=ann`, { id: m.id })
    ).json();
    expect(contacts.contacts.map((c: { key: string }) => c.key)).toEqual(["ann@example.org"]);
    const exported = await (
      await call(exportRoute.GET, token, "GET", `/api/managers/${m.id}/export?format=json`, { id: m.id })
    ).json();
    expect(exported.map((c: { key: string }) => c.key)).toEqual(["ann@example.org", "bob@example.org"]);

    // Pushing again while nothing runs works; the same file again is skipped as unchanged.
    const again = await call(pushRoute.POST, token, "POST", `/api/syncs/${sync.id}/upload`, { id: sync.id }, csv, {
      "x-filename": "nightly.csv",
    });
    expect((await finished((await again.json()).runId)).status).toBe("skipped_unchanged");

    const reverted = await call(revertRoute.POST, token, "POST", `/api/runs/${runId}/revert`, { id: runId });
    expect(reverted.status).toBe(200);
    expect((await reverted.json()).removed).toBe(2);
  });

  it("GET /api/runs/:id returns a blocked run's plan sample as the run page shows it", async () => {
    const token = await editorToken();
    const { createManager } = await import("@/lib/managers/queries");
    const m = await createManager(db, { name: uniqueName("plan") });
    const sync = await makeSync(db, m.id);
    const planSample = {
      deleted: ["k1"],
      updated: [{ key: "k2", changes: { Email: ["a@x.org", "b@x.org"] as [string, string] } }],
    };
    const [run] = await db
      .insert(runs)
      .values({ syncId: sync.id, trigger: "schedule", status: "blocked", planSample })
      .returning();
    const got = await (await call(runRoute.GET, token, "GET", `/api/runs/${run.id}`, { id: run.id })).json();
    expect(got.plan).toEqual(planSample);
  });

  it("push refuses a remote import and an unknown one", async () => {
    const token = await editorToken();
    const { createManager } = await import("@/lib/managers/queries");
    const m = await createManager(db, { name: uniqueName("push") });
    const remote = await makeSync(db, m.id);
    const res = await call(
      pushRoute.POST,
      token,
      "POST",
      `/api/syncs/${remote.id}/upload`,
      { id: remote.id },
      "Email\n",
    );
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe("not_upload");
    const missing = "00000000-0000-4000-8000-000000000000";
    expect(
      (await call(pushRoute.POST, token, "POST", `/api/syncs/${missing}/upload`, { id: missing }, "Email\n")).status,
    ).toBe(404);
  });
});
