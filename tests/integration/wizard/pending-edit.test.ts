import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { and, eq, isNull } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { contacts, runs, type Sync } from "@/db/schema";
import { createManager, getManager } from "@/lib/managers/queries";
import { decryptSecret } from "@/lib/security/crypto";
import { storeUpload } from "@/lib/sources/upload";
import { activateSync } from "@/lib/wizard/activate";
import { getWizardSync } from "@/lib/wizard/draft-store";
import { runSync } from "@/lib/sync/run";
import { deactivateSync } from "@/lib/runs/deactivate";
import { listImportsPage } from "@/lib/runs/queries";
import {
  discardEditAction,
  previewNextAction,
  saveMappingAction,
  saveScheduleAction,
  saveSourceAction,
} from "@/app/managers/[id]/imports/[syncId]/edit/actions";
import { startSftpServer, type TestSftpServer } from "@/tests/support/servers/sftp";
import { uniqueName, useDb } from "@/tests/support/db";
import { actAs, createTestUser } from "@/tests/integration/auth/helpers";
import { postForm, readSync, waitForRun, type PostResult } from "@/tests/integration/wizard/helpers";

/**
 * Editing an ACTIVE import: the wizard's steps go into syncs.pending_edit; runs keep the live definition
 * until the last step applies the edit (one UPDATE); "Discard changes" drops it.
 */
const { db } = useDb();

type State = Awaited<ReturnType<typeof saveSourceAction>>;
type Result = PostResult<State>;
const post = (
  action: (prev: State, fd: FormData) => Promise<State>,
  fields: Record<string, string | string[] | undefined>,
): Promise<Result> => postForm(action, fields);
const syncRow = (id: string) => readSync(db, id);

/** The definition a run reads (everything but bookkeeping). */
function definition(s: Sync) {
  const { updatedAt: _u, lastFingerprint: _l, nextRunAt: _n, pendingEdit: _p, ...rest } = s;
  return rest;
}

async function liveKeys(managerId: string): Promise<string[]> {
  const rows = await db
    .select({ key: contacts.key })
    .from(contacts)
    .where(and(eq(contacts.managerId, managerId), isNull(contacts.deletedAt)));
  return rows.map((r) => r.key).sort();
}

const sourceDefaults = { hasHeader: "on", delimiter: "comma", encoding: "auto", updateExisting: "on", intent: "next" };

async function upload(userId: string, content: string, filename: string) {
  return storeUpload(db, Readable.from([Buffer.from(content)]), { filename, maxBytes: 1 << 20, createdBy: userId });
}

/** An active upload import of Email/First Name (key Email) that has run once: ann and bob. */
async function activeUploadSync({ alwaysImport = true } = {}) {
  const editor = await createTestUser(db, "editor");
  actAs(editor);
  const manager = await createManager(db, { name: uniqueName("pending") });
  const fileA = await upload(editor.id, "Email,First Name\nann@example.org,Ann\nbob@example.org,Bob\n", "a.csv");
  const step1 = await post(saveSourceAction, {
    ...sourceDefaults,
    managerId: manager.id,
    syncId: "",
    sourceType: "upload",
    uploadId: fileA.id,
    alwaysImport: alwaysImport ? "on" : undefined,
    name: "Members",
  });
  const syncId = /imports\/([0-9a-f-]{36})\//.exec(step1.redirect!)![1];
  const fields = (await getManager(db, manager.id))!.fields;
  const email = fields.find((f) => f.role === "email")!;
  const first = fields.find((f) => f.role === "first_name")!;
  const run = await post(saveMappingAction, {
    managerId: manager.id,
    syncId,
    "columns.0.column": "Email",
    "columns.0.fieldId": email.id,
    "columns.1.column": "First Name",
    "columns.1.fieldId": first.id,
    key: "Email",
    intent: "run",
  });
  expect(run.redirect).toMatch(/\/runs\/[0-9a-f-]{36}$/);
  expect((await waitForRun(db, { runId: run.redirect!.split("/").pop()! })).status).toBe("succeeded");
  expect(await liveKeys(manager.id)).toEqual(["ann@example.org", "bob@example.org"]);
  return { editor, manager, syncId, fileA, email, first };
}

afterEach(() => actAs(null));

describe("editing an active import", () => {
  it("runs use the live definition while the edit is pending, the new one once the wizard is finished", async () => {
    const { editor, manager, syncId, fileA, email, first } = await activeUploadSync();
    const before = await syncRow(syncId);
    expect(before.state).toBe("active");
    expect(before.pendingEdit).toBeNull();

    // Step 1: another file, another delimiter, delete missing contacts — saved as a pending edit only.
    const fileB = await upload(editor.id, "Mail;Vorname\ncarl@example.org;Carl\n", "b.csv");
    const step1 = await post(saveSourceAction, {
      ...sourceDefaults,
      managerId: manager.id,
      syncId,
      sourceType: "upload",
      uploadId: fileB.id,
      delimiter: "semicolon",
      alwaysImport: "on",
      deleteMissing: "on",
      name: "Members (new)",
    });
    expect(step1.redirect).toBe(`/managers/${manager.id}/imports/${syncId}/edit/preview`);
    let live = await syncRow(syncId);
    expect(definition(live)).toEqual(definition(before));
    expect(live.pendingEdit).toMatchObject({
      uploadId: fileB.id,
      delimiter: ";",
      deleteMissing: true,
      name: "Members (new)",
    });
    // The wizard sees the pending definition.
    const seen = (await getWizardSync(db, manager.id, syncId))!;
    expect(seen).toMatchObject({
      uploadId: fileB.id,
      delimiter: ";",
      deleteMissing: true,
      name: "Members (new)",
      state: "active",
    });
    expect(seen.mapping).toEqual(before.mapping);

    // A run between two steps ("Go" or the schedule): the old file with the old mapping, nothing deleted.
    const mid = await runSync({ syncId, trigger: "manual" });
    expect(mid.status).toBe("succeeded");
    expect(await liveKeys(manager.id)).toEqual(["ann@example.org", "bob@example.org"]);
    const [midRun] = await db.select().from(runs).where(eq(runs.id, mid.runId));
    expect(midRun.sourceName).toBe("a.csv");

    expect((await post(previewNextAction, { managerId: manager.id, syncId })).redirect).toContain("/edit/mapping");
    const mapping = {
      managerId: manager.id,
      syncId,
      "columns.0.column": "Mail",
      "columns.0.fieldId": email.id,
      "columns.1.column": "Vorname",
      "columns.1.fieldId": first.id,
      key: "Mail",
    };
    const applied = await post(saveMappingAction, { ...mapping, intent: "apply" });
    expect(applied.redirect).toContain("/edit/mapping");
    live = await syncRow(syncId);
    expect(live.mapping).toEqual(before.mapping);
    expect(live.uploadId).toBe(fileA.id);
    expect(live.pendingEdit?.mapping).toMatchObject({ keyColumn: "Mail", autoKey: false });
    const mid2 = await runSync({ syncId, trigger: "manual" });
    expect(mid2.status).toBe("succeeded");
    expect(await liveKeys(manager.id)).toEqual(["ann@example.org", "bob@example.org"]);

    // Finishing (upload: "Run Import") makes the whole edit live at once, then runs it.
    const finish = await post(saveMappingAction, { ...mapping, intent: "run" });
    expect(finish.redirect).toMatch(/\/runs\/[0-9a-f-]{36}$/);
    live = await syncRow(syncId);
    expect(live.pendingEdit).toBeNull();
    expect(live).toMatchObject({
      state: "active",
      uploadId: fileB.id,
      delimiter: ";",
      deleteMissing: true,
      name: "Members (new)",
    });
    expect(live.mapping).toMatchObject({ keyColumn: "Mail" });
    const finishedRun = await waitForRun(db, { runId: finish.redirect!.split("/").pop()! });
    expect(finishedRun.status).toBe("succeeded");
    expect(finishedRun.sourceName).toBe("b.csv");
    expect(await liveKeys(manager.id)).toEqual(["carl@example.org"]);

    const after = await runSync({ syncId, trigger: "manual" });
    expect(after.status).toBe("succeeded");
    expect(await liveKeys(manager.id)).toEqual(["carl@example.org"]);
  });

  it("Discard changes leaves the live import as it was; the next edit starts from it", async () => {
    const { editor, manager, syncId } = await activeUploadSync();
    const before = await syncRow(syncId);
    const fileB = await upload(editor.id, "Mail\ncarl@example.org\n", "b.csv");
    await post(saveSourceAction, {
      ...sourceDefaults,
      managerId: manager.id,
      syncId,
      sourceType: "upload",
      uploadId: fileB.id,
      deleteMissing: "on",
      name: "Renamed",
    });
    expect((await syncRow(syncId)).pendingEdit).not.toBeNull();
    // The imports list says an edit is unfinished (and still shows the live name).
    const listed = async () =>
      (await listImportsPage(db, { managerId: manager.id })).rows.find((r) => r.id === syncId)!;
    expect(await listed()).toMatchObject({
      name: "Members",
      pendingEditSince: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });

    const discarded = await post(discardEditAction, { managerId: manager.id, syncId });
    expect(await listed()).toMatchObject({ pendingEditSince: null });
    expect(discarded.redirect).toBe(`/managers/${manager.id}/imports?notice=import_edit_discarded`);
    const after = await syncRow(syncId);
    expect(after.pendingEdit).toBeNull();
    expect(after).toEqual({ ...before, lastFingerprint: after.lastFingerprint });
    expect(await getWizardSync(db, manager.id, syncId)).toMatchObject({
      name: "Members",
      uploadId: before.uploadId,
      deleteMissing: false,
    });
    const run = await runSync({ syncId, trigger: "manual" });
    expect(run.status).toBe("succeeded");
    expect(await liveKeys(manager.id)).toEqual(["ann@example.org", "bob@example.org"]);
  });

  it("deleting an import drops its unfinished edit", async () => {
    const { editor, manager, syncId } = await activeUploadSync();
    await post(saveSourceAction, {
      ...sourceDefaults,
      managerId: manager.id,
      syncId,
      sourceType: "upload",
      uploadId: (await syncRow(syncId)).uploadId!,
      name: "Renamed",
    });
    expect((await syncRow(syncId)).pendingEdit).not.toBeNull();
    await deactivateSync(db, { syncId, user: { id: editor.id, email: editor.email } });
    expect(await syncRow(syncId)).toMatchObject({ state: "deleted", pendingEdit: null, name: "Members" });
  });

  it("finishing an edit that changes how the file is read forgets the last fingerprint; a rename does not", async () => {
    const { manager, syncId, email, first } = await activeUploadSync({ alwaysImport: false });
    const source = {
      ...sourceDefaults,
      managerId: manager.id,
      syncId,
      sourceType: "upload",
      uploadId: (await syncRow(syncId)).uploadId!,
    };
    const mapping = {
      managerId: manager.id,
      syncId,
      "columns.0.column": "Email",
      "columns.0.fieldId": email.id,
      "columns.1.column": "First Name",
      "columns.1.fieldId": first.id,
      key: "Email",
    };
    expect((await runSync({ syncId, trigger: "manual" })).status).toBe("skipped_unchanged");

    await post(saveSourceAction, { ...source, name: "Renamed" });
    expect((await post(saveMappingAction, { ...mapping, intent: "run" })).redirect).toMatch(/\/runs\//);
    let live = await syncRow(syncId);
    expect(live.name).toBe("Renamed");
    const renamedRun = await waitForRun(db, {
      runId: (await db.select().from(runs).where(eq(runs.syncId, syncId))).sort((a, b) => +b.queuedAt - +a.queuedAt)[0]
        .id,
    });
    expect(renamedRun.status).toBe("skipped_unchanged");

    // Same file, First Name no longer mapped: the next run reads the file again instead of skipping it.
    await post(saveSourceAction, { ...source, name: "Renamed" });
    const finish = await post(saveMappingAction, { ...mapping, "columns.1.fieldId": "", intent: "run" });
    live = await syncRow(syncId);
    expect(live.mapping?.columns).toHaveLength(1);
    expect((await waitForRun(db, { runId: finish.redirect!.split("/").pop()! })).status).toBe("succeeded");
  });

  it("an edit saved or discarded in another window meanwhile is not applied blindly", async () => {
    const { editor, manager, syncId } = await activeUploadSync();
    const fileB = await upload(editor.id, "Email,First Name\ncarl@example.org,Carl\n", "b.csv");
    await post(saveSourceAction, {
      ...sourceDefaults,
      managerId: manager.id,
      syncId,
      sourceType: "upload",
      uploadId: fileB.id,
      name: "One",
    });
    const stale = (await getWizardSync(db, manager.id, syncId))!;
    await post(saveSourceAction, {
      ...sourceDefaults,
      managerId: manager.id,
      syncId,
      sourceType: "upload",
      uploadId: fileB.id,
      name: "Two",
    });
    await expect(activateSync(db, stale, { schedule: null, nextRunAt: null })).rejects.toMatchObject({
      code: "edit_conflict",
      status: 409,
    });
    expect((await syncRow(syncId)).name).toBe("Members");
  });
});

describe("editing an active SFTP import", () => {
  let sftp: TestSftpServer;
  let root: string;
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "pending-sftp-"));
    fs.writeFileSync(path.join(root, "contacts.csv"), "Member;Email\nM1;ann@example.org\n");
    // Written an hour ago: a finished export, so runs do not wait for it to settle (30 s by default).
    fs.utimesSync(path.join(root, "contacts.csv"), Date.now() / 1000 - 3600, Date.now() / 1000 - 3600);
    sftp = await startSftpServer({ root, user: "feed", password: "s3cret-pass" });
    process.env.ALLOW_PRIVATE_HOSTS = "true";
    (await import("@/lib/env")).reloadEnv();
  });
  afterAll(async () => {
    await sftp?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("a secret typed into the pending edit is stored encrypted; runs keep the live one until finished", async () => {
    const editor = await createTestUser(db, "editor");
    actAs(editor);
    const manager = await createManager(db, { name: uniqueName("pending") });
    const remote = {
      ...sourceDefaults,
      managerId: manager.id,
      sourceType: "remote",
      location: `${sftp.url}/contacts.csv`,
      login: "feed",
      delimiter: "semicolon",
      fingerprint: sftp.hostKeyFingerprint,
      trustFingerprint: "on",
    };
    const saved = await post(saveSourceAction, { ...remote, password: "s3cret-pass" });
    const syncId = /imports\/([0-9a-f-]{36})\//.exec(saved.redirect!)![1];
    const email = (await getManager(db, manager.id))!.fields.find((f) => f.role === "email")!;
    const mapping = {
      managerId: manager.id,
      syncId,
      "columns.0.column": "Member",
      "columns.0.fieldId": "",
      "columns.1.column": "Email",
      "columns.1.fieldId": email.id,
      key: "Member",
    };
    expect((await post(saveMappingAction, { ...mapping, intent: "next" })).redirect).toContain("/edit/schedule");
    const schedule = {
      managerId: manager.id,
      syncId,
      startDate: "2031-01-06",
      startTime: "06:00",
      tz: "UTC",
      freq: "daily",
      interval: "1",
      rangeKind: "none",
      errorEmail: "",
      safetyThresholdPct: "10",
    };
    expect((await post(saveScheduleAction, { ...schedule, intent: "finish" })).redirect).toContain(
      "notice=import_scheduled",
    );
    const before = await syncRow(syncId);
    expect(before.state).toBe("active");

    // Edit: a new password (wrong for this server) and another login.
    const edited = await post(saveSourceAction, {
      ...remote,
      syncId,
      secretSet: "1",
      login: "other",
      password: "n3w-Pa55word",
    });
    expect(edited.redirect).toContain("/edit/preview");
    const [raw] = await db.execute<{ pending: string }>(
      `select pending_edit::text as pending from syncs where id = '${syncId}'`,
    );
    expect(raw.pending).not.toContain("n3w-Pa55word");
    const live = await syncRow(syncId);
    expect(live.pendingEdit?.login).toBe("other");
    expect(decryptSecret<{ password: string }>(live.pendingEdit!.secretEnc!).password).toBe("n3w-Pa55word");
    expect(live.secretEnc).toBe(before.secretEnc);
    expect(live.login).toBe("feed");

    // The live login and password still work for a run.
    const run = await runSync({ syncId, trigger: "manual" });
    expect(run.status).toBe("succeeded");
    expect(await liveKeys(manager.id)).toEqual(["M1"]);

    // Finish: the schedule step applies the pending edit; the next run uses the new (wrong) credentials.
    expect((await post(saveScheduleAction, { ...schedule, intent: "finish" })).redirect).toContain(
      "notice=import_scheduled",
    );
    const applied = await syncRow(syncId);
    expect(applied.pendingEdit).toBeNull();
    expect(applied.login).toBe("other");
    expect(decryptSecret<{ password: string }>(applied.secretEnc!).password).toBe("n3w-Pa55word");
    const failed = await runSync({ syncId, trigger: "manual" });
    expect(failed.status).toBe("failed");
  });
});

describe("Save changes on one step of an active import's edit", () => {
  it("step 1: one option changed goes live at once, the rest kept", async () => {
    const { manager, syncId, fileA } = await activeUploadSync();
    const saved = await post(saveSourceAction, {
      ...sourceDefaults,
      managerId: manager.id,
      syncId,
      editSince: "",
      sourceType: "upload",
      uploadId: fileA.id,
      alwaysImport: "on",
      deleteMissing: "on",
      name: "Members",
      intent: "save",
    });
    expect(saved.redirect).toBe(`/managers/${manager.id}/imports?notice=import_saved`);
    const live = await syncRow(syncId);
    expect(live).toMatchObject({ state: "active", deleteMissing: true, pendingEdit: null, uploadId: fileA.id });
    expect(live.mapping?.keyColumn).toBe("Email");
  });

  it("step 1: a file whose columns no longer fit the mapping stays pending and leads to the mapping", async () => {
    const { editor, manager, syncId, fileA } = await activeUploadSync();
    const fileB = await upload(editor.id, "Mail,Vorname\ncarl@example.org,Carl\n", "b.csv");
    const saved = await post(saveSourceAction, {
      ...sourceDefaults,
      managerId: manager.id,
      syncId,
      editSince: "",
      sourceType: "upload",
      uploadId: fileB.id,
      name: "Members",
      intent: "save",
    });
    expect(saved.redirect).toBe(`/managers/${manager.id}/imports/${syncId}/edit/mapping?notice=columns_changed`);
    const row = await syncRow(syncId);
    expect(row.uploadId).toBe(fileA.id);
    expect(row.pendingEdit?.uploadId).toBe(fileB.id);
  });

  it("step 3: the mapping saved alone goes live", async () => {
    const { manager, syncId, email } = await activeUploadSync();
    const saved = await post(saveMappingAction, {
      managerId: manager.id,
      syncId,
      editSince: "",
      "columns.0.column": "Email",
      "columns.0.fieldId": email.id,
      "columns.1.column": "First Name",
      "columns.1.fieldId": "",
      key: "Email",
      intent: "save",
    });
    expect(saved.redirect).toBe(`/managers/${manager.id}/imports?notice=import_saved`);
    const live = await syncRow(syncId);
    expect(live.pendingEdit).toBeNull();
    expect(live.mapping?.columns).toEqual([{ column: "Email", fieldId: email.id }]);
  });
});
