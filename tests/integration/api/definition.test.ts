import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { apiTokens, auditLog, runs, syncs } from "@/db/schema";
import * as syncsRoute from "@/app/api/syncs/route";
import * as syncRoute from "@/app/api/syncs/[id]/route";
import * as managersRoute from "@/app/api/managers/route";
import * as pushRoute from "@/app/api/syncs/[id]/upload/route";
import { createApiToken } from "@/lib/auth/api-tokens";
import { setSessionReaderForTests } from "@/lib/auth/current-user";
import { reloadEnv } from "@/lib/env";
import { getManager } from "@/lib/managers/queries";
import { decryptSecret } from "@/lib/security/crypto";
import { createTestUser } from "@/tests/integration/auth/helpers";
import { makeManager, makeRun } from "@/tests/integration/runs/fixtures";
import { uniqueName, useDb } from "@/tests/support/db";

/**
 * The sync definition document through the API: POST /api/syncs, GET ?format=definition, PATCH, DELETE, with
 * API tokens (roles as the wizard: editors write, viewers read). Sources are literal addresses: no name
 * resolves offline, and nothing here connects to them (the definition is checked, not fetched).
 */
const { db } = useDb();
const base = "http://127.0.0.1:3000";
let editor = "";
let viewer = "";

beforeAll(async () => {
  process.env.ALLOW_PRIVATE_HOSTS = "true";
  reloadEnv();
  editor = await tokenOf("editor");
  viewer = await tokenOf("viewer");
});
afterAll(() => {
  process.env.ALLOW_PRIVATE_HOSTS = "true";
  reloadEnv();
});
afterEach(() => setSessionReaderForTests(null));

async function tokenOf(role: "viewer" | "editor" | "admin") {
  const u = await createTestUser(db, role);
  return (await createApiToken(db, { name: `definition ${role}`, role, userId: u.id, creator: null })).token;
}

type Handler = (req: Request, ctx: { params: Promise<{ id: string }> }) => Promise<Response>;
async function call(handler: Handler, token: string, method: string, path: string, id = "", body?: unknown) {
  const res = await handler(
    new Request(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
    { params: Promise.resolve({ id }) },
  );
  const text = await res.text();
  return { status: res.status, text, json: text ? JSON.parse(text) : null };
}

const post = (body: unknown, token = editor) => call(syncsRoute.POST as Handler, token, "POST", "/api/syncs", "", body);
const exportOf = (id: string, token = editor) =>
  call(syncRoute.GET as Handler, token, "GET", `/api/syncs/${id}?format=definition`, id);
const patch = (id: string, body: unknown, token = editor) =>
  call(syncRoute.PATCH as Handler, token, "PATCH", `/api/syncs/${id}`, id, body);
const del = (id: string, token = editor) => call(syncRoute.DELETE as Handler, token, "DELETE", `/api/syncs/${id}`, id);

/** A document with every section: an SFTP folder feed with a password, rules, guards and a schedule. */
function fullDocument(managerId: string, password = "s3cret-pass") {
  return {
    managerId,
    name: "Nightly HR feed",
    draft: false,
    source: {
      kind: "sftp",
      location: "sftp://127.0.0.1:2222/drop/*.csv",
      login: "hr",
      password,
      fingerprint: "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
      folderMode: "newest",
      zipMember: "contacts*.csv",
      settleSeconds: 45,
      readyMarker: ".done",
      afterImport: { move: "processed" },
    },
    parse: { hasHeader: true, delimiter: ";", encoding: "windows-1252" },
    mapping: {
      keyColumn: "Email",
      autoKey: false,
      opColumn: "Action",
      columns: [
        { column: "Email", field: "Email", merge: "overwrite", empty: "clear" },
        { column: "First", field: "First Name", merge: "create-only", empty: "clear" },
        { column: "Dept", field: "Department", merge: "fill", empty: "keep" },
      ],
    },
    options: { updateExisting: true, deleteMissing: true, alwaysImport: false, errorEmail: "hr-ops@example.org" },
    guards: { threshold: "15%", maxDelete: 500, maxUpdate: "20%", minContacts: 100, guardEveryRun: true },
    schedule: {
      start: "2026-12-03T06:30",
      tz: "Europe/Paris",
      rrule: "FREQ=DAILY;INTERVAL=1",
      until: "2027-06-30",
      count: null,
    },
  };
}

async function finished(runId: string) {
  for (let i = 0; i < 200; i++) {
    const [r] = await db.select().from(runs).where(eq(runs.id, runId));
    if (r && !["queued", "running"].includes(r.status)) return r;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error("run did not finish");
}

async function stored(id: string) {
  const [row] = await db.select().from(syncs).where(eq(syncs.id, id));
  return row;
}

describe("POST /api/syncs and GET ?format=definition", () => {
  it("creates an active import from every section; the export is accepted again and equal", async () => {
    const m = await makeManager(db);
    const created = await post(fullDocument(m.id));
    expect(created.status, created.text).toBe(201);
    expect(created.json).toMatchObject({ id: expect.any(String), name: "Nightly HR feed", state: "active" });
    expect(created.json.nextRunAt).not.toBeNull();

    const row = await stored(created.json.id);
    expect(decryptSecret(row.secretEnc!)).toEqual({ password: "s3cret-pass" });
    expect(row).toMatchObject({
      sourceKind: "sftp",
      location: "sftp://127.0.0.1:2222/drop/*.csv",
      hostKeyFingerprint: "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
      afterImport: "move:processed",
      readyMarker: ".done",
      settleSeconds: 45,
      delimiter: ";",
      encoding: "windows-1252",
      safetyThresholdPct: 15,
      guards: { maxDeleted: { count: 500 }, maxUpdated: { pct: 20 }, minContacts: 100, everyRun: true },
      schedule: { start: "2026-12-03T06:30", tz: "Europe/Paris", rrule: "FREQ=DAILY;UNTIL=20270630T215959Z" },
    });
    // The unknown label became a text field; the mapping stores field ids and only rules other than the defaults.
    const fields = (await getManager(db, m.id))!.fields;
    const dept = fields.find((f) => f.label === "Department")!;
    expect(dept.type).toBe("text");
    expect(row.mapping).toEqual({
      keyColumn: "Email",
      autoKey: false,
      opColumn: "Action",
      columns: [
        { column: "Email", fieldId: fields.find((f) => f.label === "Email")!.id },
        { column: "First", fieldId: fields.find((f) => f.label === "First Name")!.id, merge: "create-only" },
        { column: "Dept", fieldId: dept.id, merge: "fill", empty: "keep" },
      ],
    });

    const exported = await exportOf(created.json.id);
    expect(exported.status, exported.text).toBe(200);
    expect(exported.text).not.toContain("s3cret-pass");
    expect(exported.json.source.password).toEqual({ saved: true });
    expect(exported.json).toMatchObject({
      managerId: m.id,
      draft: false,
      source: { afterImport: { move: "processed" }, folderMode: "newest" },
      guards: { threshold: "15%", maxDelete: 500, maxUpdate: "20%", minContacts: 100, guardEveryRun: true },
      schedule: { rrule: "FREQ=DAILY", until: "2027-06-30", count: null },
    });

    // To copy the import, the secrets are given again; the copy's definition is the same document.
    const again = await post({ ...exported.json, source: { ...exported.json.source, password: "s3cret-pass" } });
    expect(again.status, again.text).toBe(201);
    expect(again.json.id).not.toBe(created.json.id);
    expect((await exportOf(again.json.id)).json).toEqual(exported.json);

    const [entry] = await db.select().from(auditLog).where(eq(auditLog.targetId, created.json.id));
    expect(JSON.stringify(entry)).not.toContain("s3cret-pass");
  });

  it('refuses {"saved": true} on a new import: secrets must be given again', async () => {
    const m = await makeManager(db);
    const doc = fullDocument(m.id);
    const res = await post({ ...doc, source: { ...doc.source, password: { saved: true } } });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("invalid_body");
    expect(res.json.error.message).toMatch(/^source\.password: .*Give the password itself/);
  });

  it("an upload import has no file and no schedule until one is pushed; a draft stays a draft", async () => {
    const m = await makeManager(db);
    const upload = await post({
      managerId: m.id,
      name: "Pushed list",
      source: { kind: "upload" },
      mapping: { keyColumn: "Email", columns: [{ column: "Email", field: "Email" }] },
    });
    expect(upload.status, upload.text).toBe(201);
    expect(await stored(upload.json.id)).toMatchObject({ state: "active", uploadId: null, schedule: null });
    // The file comes by push, and runs with the definition's mapping.
    const pushed = await pushRoute.POST(
      new Request(`${base}/api/syncs/${upload.json.id}/upload`, {
        method: "POST",
        body: "Email\nann@example.org\n",
        headers: { authorization: `Bearer ${editor}`, "content-type": "text/csv", "x-filename": "list.csv" },
      }),
      { params: Promise.resolve({ id: upload.json.id }) },
    );
    expect(pushed.status).toBe(202);
    expect((await finished((await pushed.json()).runId)).status).toBe("succeeded");
    const { uploadId } = await stored(upload.json.id);
    expect(uploadId).not.toBeNull();
    // Changing the definition keeps the pushed file.
    expect((await patch(upload.json.id, { options: { alwaysImport: true } })).status).toBe(200);
    expect(await stored(upload.json.id)).toMatchObject({ uploadId, alwaysImport: true });
    const exp = (await exportOf(upload.json.id)).json;
    expect(exp).toMatchObject({ source: { kind: "upload", location: null }, schedule: null });

    const scheduled = await post({ ...exp, schedule: fullDocument(m.id).schedule });
    expect(scheduled.status).toBe(400);
    expect(scheduled.json.error.message).toBe("schedule: Only imports from a server can be scheduled.");

    const draft = await post({
      managerId: m.id,
      draft: true,
      source: { kind: "https", location: "https://127.0.0.1/hr.csv" },
    });
    expect(draft.status, draft.text).toBe(201);
    expect(draft.json.state).toBe("draft");
    expect((await exportOf(draft.json.id)).json).toMatchObject({ draft: true, mapping: null, name: "hr.csv" });
  });

  it("answers 400 with the place and a clear message for what the wizard refuses", async () => {
    const m = await makeManager(db);
    const doc = fullDocument(m.id);
    const cases: [unknown, string, RegExp][] = [
      [
        { ...doc, source: { ...doc.source, location: "sftp://127.0.0.1\\drop\\x.csv" } },
        "invalid_body",
        /^source\.location: Use \/ to separate folders/,
      ],
      [
        { ...doc, source: { ...doc.source, location: "gopher://127.0.0.1/x.csv" } },
        "invalid_body",
        /^source\.location: /,
      ],
      [
        { ...doc, managerId: "7d3f4c2a-1b2c-4d5e-8f90-123456789abc" },
        "unknown_manager",
        /^managerId: No Contact Manager/,
      ],
      [
        { ...doc, mapping: { ...doc.mapping, keyColumn: "Member No" } },
        "invalid_body",
        /^mapping\.keyColumn: The key column must be one of mapping\.columns/,
      ],
      [
        { ...doc, mapping: { ...doc.mapping, keyColumn: null } },
        "invalid_body",
        /^mapping\.keyColumn: Give mapping\.keyColumn/,
      ],
      [
        {
          ...doc,
          mapping: { ...doc.mapping, columns: [...doc.mapping.columns, { column: "Mail 2", field: "email" }] },
        },
        "invalid_body",
        /^mapping\.columns\.3\.field: This field is already fed by “Email”/,
      ],
      [{ ...doc, source: { ...doc.source, login: "" } }, "invalid_body", /^source\.login: This server needs a login\./],
      [
        { ...doc, guards: { ...doc.guards, maxDelete: "lots" } },
        "invalid_body",
        /^guards\.maxDelete: A limit is a count/,
      ],
      [
        { ...doc, guards: { ...doc.guards, threshold: "150%" } },
        "invalid_body",
        /^guards\.threshold: Enter a percentage from 0 to 100/,
      ],
      [
        { ...doc, options: { ...doc.options, errorEmail: "not-an-address" } },
        "invalid_body",
        /^options\.errorEmail: Enter a valid email/,
      ],
      [
        { ...doc, schedule: { ...doc.schedule, tz: "Mars/Olympus" } },
        "invalid_body",
        /^schedule\.tz: Use an IANA time zone/,
      ],
      [
        { ...doc, schedule: { ...doc.schedule, rrule: "FREQ=FORTNIGHTLY" } },
        "invalid_body",
        /^schedule\.rrule: Invalid recurrence rule/,
      ],
      [
        { ...doc, schedule: { ...doc.schedule, start: "2020-01-01T06:00", until: "2020-02-01" } },
        "invalid_body",
        /^schedule\.start: This schedule has no run after now/,
      ],
      [{ ...doc, colour: "blue" }, "invalid_body", /Unrecognized key/],
    ];
    for (const [body, code, message] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.code, res.text).toBe(code);
      expect(res.json.error.message, res.text).toMatch(message);
    }
    // Nothing of the refused documents was kept: no import, no field.
    expect(await db.select().from(syncs).where(eq(syncs.managerId, m.id))).toEqual([]);
    expect((await getManager(db, m.id))!.fields.some((f) => f.label === "Department")).toBe(false);
  });

  it("refuses a private or loopback host unless ALLOW_PRIVATE_HOSTS allows it", async () => {
    const m = await makeManager(db);
    process.env.ALLOW_PRIVATE_HOSTS = "false";
    reloadEnv();
    try {
      for (const location of [
        "sftp://127.0.0.1:2222/drop/*.csv",
        "sftp://10.1.2.3/drop/*.csv",
        "sftp://[::1]/drop/*.csv",
      ]) {
        const doc = fullDocument(m.id);
        const res = await post({ ...doc, source: { ...doc.source, location } });
        expect(res.status, res.text).toBe(400);
        expect(res.json.error.code).toBe("blocked_host");
        expect(res.json.error.message).toMatch(/^source\.location: Refused: .* internal address/);
      }
      const meta = await post({
        ...fullDocument(m.id),
        source: { kind: "https", location: "https://169.254.169.254/x.csv" },
      });
      expect(meta.json.error.message).toMatch(/cloud metadata/);
    } finally {
      process.env.ALLOW_PRIVATE_HOSTS = "true";
      reloadEnv();
    }
  });
});

describe("PATCH /api/syncs/:id", () => {
  it('merges a partial document; {"saved": true} keeps the stored secret, a new one replaces it', async () => {
    const m = await makeManager(db);
    const { id } = (await post(fullDocument(m.id))).json;
    const before = (await exportOf(id)).json;

    const changed = await patch(id, { source: { password: { saved: true } }, options: { alwaysImport: true } });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.text).not.toContain("s3cret-pass");
    expect(decryptSecret((await stored(id)).secretEnc!)).toEqual({ password: "s3cret-pass" });
    const after = (await exportOf(id)).json;
    expect(after).toEqual({ ...before, options: { ...before.options, alwaysImport: true } });
    expect((await stored(id)).pendingEdit).toBeNull();

    expect((await patch(id, { source: { password: "rotated-pass" } })).status).toBe(200);
    expect(decryptSecret((await stored(id)).secretEnc!)).toEqual({ password: "rotated-pass" });

    // Another server: the stored secret is not sent to it, as in the wizard.
    const moved = await patch(id, { source: { location: "sftp://127.0.0.2/drop/*.csv" } });
    expect(moved.status).toBe(400);
    expect(moved.json.error.message).toMatch(/^source\.password: The server changed/);

    const sched = await patch(id, {
      schedule: null,
      mapping: { columns: [{ column: "Email", field: "Email" }], opColumn: null },
    });
    expect(sched.status, sched.text).toBe(200);
    expect(await stored(id)).toMatchObject({ schedule: null, nextRunAt: null });
    expect((await stored(id)).mapping?.columns).toHaveLength(1);
  });

  it("answers 409 while a run of the import is active and changes nothing", async () => {
    const m = await makeManager(db);
    const { id } = (await post(fullDocument(m.id))).json;
    const before = await stored(id);
    await makeRun(db, id, { status: "running", finishedAt: null });
    const res = await patch(id, { name: "Renamed", source: { password: "new-one" } });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe("run_active");
    const after = await stored(id);
    expect(after.name).toBe(before.name);
    expect(after.secretEnc).toBe(before.secretEnc);
    expect(after.pendingEdit).toBeNull();
  });

  it("refuses moving an import to another manager, and a wizard's unfinished edit", async () => {
    const m = await makeManager(db);
    const other = await makeManager(db);
    const { id } = (await post(fullDocument(m.id))).json;
    const moved = await patch(id, { managerId: other.id });
    expect(moved.status).toBe(400);
    expect(moved.json.error.message).toMatch(/^managerId: An import stays with its Contact Manager/);
    const now = new Date().toISOString();
    await db
      .update(syncs)
      .set({ pendingEdit: { startedAt: now, savedAt: now, name: "Wizard" } })
      .where(eq(syncs.id, id));
    const res = await patch(id, { name: "API" });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe("edit_conflict");
  });
});

describe("DELETE /api/syncs/:id and GET /api/syncs/:id", () => {
  it("the import stops and leaves the list; its runs stay", async () => {
    const m = await makeManager(db);
    const { id } = (await post(fullDocument(m.id))).json;
    const run = await makeRun(db, id, { status: "succeeded" });
    const summary = await call(syncRoute.GET as Handler, viewer, "GET", `/api/syncs/${id}`, id);
    expect(summary.status).toBe(200);
    expect(summary.json).toMatchObject({ id, managerId: m.id, remote: true, latestRun: { id: run.id } });
    expect(summary.text).not.toContain("s3cret-pass");

    const res = await del(id);
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ id, deleted: true, state: "deleted" });
    expect(await stored(id)).toMatchObject({ state: "deleted", nextRunAt: null });
    expect(await db.select().from(runs).where(eq(runs.syncId, id))).toHaveLength(1);
    expect((await exportOf(id)).status).toBe(404);
    expect((await del(id)).status).toBe(404);
  });
});

describe("roles, as the wizard: editors and admins write, viewers read", () => {
  it("a viewer token reads but cannot POST, PATCH or DELETE; a revoked token is 401", async () => {
    const m = await makeManager(db);
    expect((await post(fullDocument(m.id), viewer)).status).toBe(403);
    const { id } = (await post(fullDocument(m.id), await tokenOf("admin"))).json;
    expect((await exportOf(id, viewer)).status).toBe(200);
    expect((await patch(id, { name: "By a viewer" }, viewer)).status).toBe(403);
    expect((await del(id, viewer)).status).toBe(403);
    expect((await stored(id)).state).toBe("active");

    const u = await createTestUser(db, "editor");
    const made = await createApiToken(db, { name: "revoked", role: "editor", userId: u.id, creator: null });
    await db.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.id, made.id));
    const revoked = made.token;
    for (const res of [
      await post(fullDocument(m.id), revoked),
      await patch(id, { name: "x" }, revoked),
      await del(id, revoked),
    ]) {
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe("token_revoked");
    }
  });
});

describe("GET /api/managers", () => {
  it("pages in name order with limit / after / before, as GET /api/syncs", async () => {
    const prefix = uniqueName("page");
    const names = ["c", "a", "d", "b", "e"].map((s) => `${prefix} ${s}`);
    for (const name of names) await makeManagerNamed(name);
    const get = (q: string) => call(managersRoute.GET as Handler, viewer, "GET", `/api/managers${q}`);
    const seen: string[] = [];
    let page = await get("?limit=2");
    const pages: { names: string[]; prev: string | null; next: string | null }[] = [];
    for (let i = 0; i < 1000; i++) {
      expect(page.status, page.text).toBe(200);
      expect(page.json.managers.length).toBeLessThanOrEqual(2);
      const list = page.json.managers.map((x: { name: string }) => x.name);
      pages.push({ names: list, prev: page.json.prevCursor, next: page.json.nextCursor });
      seen.push(...list);
      if (!page.json.nextCursor) break;
      page = await get(`?limit=2&after=${page.json.nextCursor}`);
    }
    expect(pages[0].prev).toBeNull();
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((n) => n.startsWith(prefix))).toEqual([...names].sort());
    if (pages.length > 1) {
      const back = await get(`?limit=2&before=${pages[1].prev}`);
      expect(back.json.managers.map((x: { name: string }) => x.name)).toEqual(pages[0].names);
      expect(back.json.prevCursor).toBeNull();
    }
    expect((await get("?limit=0")).status).toBe(400);
    expect((await get("?after=bm90LWEtY3Vyc29y")).json.error.code).toBe("invalid_cursor");
  });
});

async function makeManagerNamed(name: string) {
  const { createManager } = await import("@/lib/managers/queries");
  return createManager(db, { name });
}
