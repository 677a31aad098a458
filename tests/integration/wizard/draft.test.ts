import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { auditLog, contacts, runs, syncs } from "@/db/schema";
import { createManager, getManager } from "@/lib/managers/queries";
import { decryptSecret } from "@/lib/security/crypto";
import { storeUpload } from "@/lib/sources/upload";
import { AUTO_KEY } from "@/lib/wizard/schemas";
import { getWizardSync } from "@/lib/wizard/draft-store";
import { pinFirstHostKey } from "@/lib/wizard/preview-step";
import { buildPreview } from "@/lib/wizard/preview";
import {
  previewNextAction,
  saveMappingAction,
  saveScheduleAction,
  saveSourceAction,
  scheduleTimesAction,
} from "@/app/managers/[id]/imports/[syncId]/edit/actions";
import { runAfterReviewAction } from "@/app/managers/[id]/imports/[syncId]/review/actions";
import { startSftpServer, type TestSftpServer } from "@/tests/support/servers/sftp";
import { uniqueName, useDb } from "@/tests/support/db";
import { actAs, createTestUser } from "@/tests/integration/auth/helpers";
import { postForm, readSync, waitForRun, type PostResult } from "@/tests/integration/wizard/helpers";

const { db } = useDb();

type State = Awaited<ReturnType<typeof saveSourceAction>> & {
  test?: { ok: boolean; fingerprint?: string };
  runTimes?: string[];
};
type Result = PostResult<State>;
const post = (
  action: (prev: State, fd: FormData) => Promise<State>,
  fields: Record<string, string | string[] | undefined>,
): Promise<Result> => postForm(action, fields);
const syncRow = (id: string) => readSync(db, id);

const syncIdOf = (url: string) => /imports\/([0-9a-f-]{36})\//.exec(url)![1];

const sourceDefaults = { hasHeader: "on", delimiter: "comma", encoding: "auto", updateExisting: "on", intent: "next" };

async function upload(userId: string, content: string, filename = "people.csv") {
  return storeUpload(db, Readable.from([Buffer.from(content)]), { filename, maxBytes: 1 << 20, createdBy: userId });
}

let sftp: TestSftpServer;
let sftpRoot: string;

beforeAll(async () => {
  sftpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "wizard-sftp-"));
  fs.writeFileSync(
    path.join(sftpRoot, "contacts.csv"),
    "Member;Email;First Name\nM1;ann@example.org;Ann\nM2;bob@example.org;Bob\n",
  );
  // Written an hour ago: a finished export, so runs do not wait for it to settle (30 s by default).
  const hourAgo = Date.now() / 1000 - 3600;
  fs.utimesSync(path.join(sftpRoot, "contacts.csv"), hourAgo, hourAgo);
  sftp = await startSftpServer({ root: sftpRoot, user: "feed", password: "s3cret-pass" });
  process.env.ALLOW_PRIVATE_HOSTS = "true";
  (await import("@/lib/env")).reloadEnv();
});
afterAll(async () => {
  await sftp?.close();
  fs.rmSync(sftpRoot, { recursive: true, force: true });
});
afterEach(() => actAs(null));

/** Step 1 of a new import reading contacts.csv from the test SFTP server, as the form posts it. */
function sftpSourceForm(managerId: string, password = "s3cret-pass") {
  return {
    ...sourceDefaults,
    managerId,
    syncId: "",
    sourceType: "remote",
    location: `${sftp.url}/contacts.csv`,
    login: "feed",
    password,
  };
}

/** An editor's new draft reading contacts.csv from the test SFTP server (step 1 saved). */
async function newSftpDraft() {
  const editor = await createTestUser(db, "editor");
  actAs(editor);
  const manager = await createManager(db, { name: uniqueName("wizard") });
  const saved = await post(saveSourceAction, { ...sftpSourceForm(manager.id), delimiter: "semicolon" });
  return { editor, manager, syncId: syncIdOf(saved.redirect!) };
}

describe("wizard drafts: upload source", () => {
  it("step 1 creates a draft at step 2 (audited); preview → mapping; Run Import applies and activates", async () => {
    const editor = await createTestUser(db, "editor");
    actAs(editor);
    const manager = await createManager(db, { name: uniqueName("wizard") });
    const file = await upload(editor.id, "Email,First Name,Team\nann@example.org,Ann,Red\nbob@example.org,Bob,Blue\n");

    const step1 = await post(saveSourceAction, {
      ...sourceDefaults,
      managerId: manager.id,
      syncId: "",
      sourceType: "upload",
      uploadId: file.id,
      errorEmail: "ops@example.org",
    });
    expect(step1.state).toBeNull();
    expect(step1.redirect).toMatch(new RegExp(`^/managers/${manager.id}/imports/[0-9a-f-]{36}/edit/preview$`));
    const syncId = syncIdOf(step1.redirect!);
    let sync = await syncRow(syncId);
    expect(sync).toMatchObject({
      state: "draft",
      wizardStep: 2,
      sourceKind: "upload",
      uploadId: file.id,
      name: "people.csv",
      delimiter: ",",
      hasHeader: true,
      errorEmail: "ops@example.org",
    });
    const audits = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetId, syncId), eq(auditLog.action, "sync.create")));
    expect(audits).toHaveLength(1);
    expect(audits[0].userId).toBe(editor.id);

    const next = await post(previewNextAction, { managerId: manager.id, syncId });
    expect(next.redirect).toBe(`/managers/${manager.id}/imports/${syncId}/edit/mapping`);
    expect((await syncRow(syncId)).wizardStep).toBe(3);

    // Mapping: "Team" has no field yet → Add Field maps it at once; the key is the Email column.
    const fields = (await getManager(db, manager.id))!.fields;
    const email = fields.find((f) => f.role === "email")!;
    const first = fields.find((f) => f.role === "first_name")!;
    const columns = {
      "columns.0.column": "Email",
      "columns.0.fieldId": email.id,
      "columns.1.column": "First Name",
      "columns.1.fieldId": first.id,
      "columns.2.column": "Team",
      "columns.2.fieldId": "",
    };
    const added = await post(saveMappingAction, {
      managerId: manager.id,
      syncId,
      ...columns,
      key: "Email",
      intent: "addField",
      newFieldLabel: "Team",
      newFieldType: "text",
      newFieldColumn: "Team",
    });
    expect(added.state).toBeNull();
    expect(added.redirect).toContain("/edit/mapping");
    const team = (await getManager(db, manager.id))!.fields.find((f) => f.label === "Team")!;
    sync = await syncRow(syncId);
    expect(sync.mapping).toEqual({
      columns: [
        { column: "Email", fieldId: email.id },
        { column: "First Name", fieldId: first.id },
        { column: "Team", fieldId: team.id },
      ],
      keyColumn: "Email",
      autoKey: false,
    });
    expect(sync.state).toBe("draft");

    const run = await post(saveMappingAction, {
      managerId: manager.id,
      syncId,
      ...columns,
      "columns.2.fieldId": team.id,
      key: "Email",
      intent: "run",
    });
    expect(run.redirect).toMatch(new RegExp(`^/managers/${manager.id}/imports/${syncId}/runs/[0-9a-f-]{36}$`));
    expect((await syncRow(syncId)).state).toBe("active");
    const finished = await waitForRun(db, { syncId });
    expect(finished.trigger).toBe("upload");
    expect(finished.status).toBe("succeeded");
    const rows = await db.select().from(contacts).where(eq(contacts.managerId, manager.id));
    expect(rows.map((r) => r.key).sort()).toEqual(["ann@example.org", "bob@example.org"]);
    expect(rows.find((r) => r.key === "ann@example.org")!.data[team.id]).toBe("Red");
  });

  it("an upload of another user cannot be used", async () => {
    const owner = await createTestUser(db, "editor");
    const other = await createTestUser(db, "editor");
    const manager = await createManager(db, { name: uniqueName("wizard") });
    const file = await upload(owner.id, "Email\na@b.org\n");
    actAs(other);
    const res = await post(saveSourceAction, {
      ...sourceDefaults,
      managerId: manager.id,
      sourceType: "upload",
      uploadId: file.id,
    });
    expect(res.redirect).toBeNull();
    expect(res.state?.errors?.uploadId?.[0]).toMatch(/not found/);
  });

  it("another editor can edit the sync (its upload stays usable); Add Field with a taken label is a field error", async () => {
    const owner = await createTestUser(db, "editor");
    const other = await createTestUser(db, "editor");
    const manager = await createManager(db, { name: uniqueName("wizard") });
    const file = await upload(owner.id, "Email,Note\nann@example.org,x\n");
    actAs(owner);
    const created = await post(saveSourceAction, {
      ...sourceDefaults,
      managerId: manager.id,
      sourceType: "upload",
      uploadId: file.id,
    });
    const syncId = syncIdOf(created.redirect!);
    actAs(other);
    const edited = await post(saveSourceAction, {
      ...sourceDefaults,
      managerId: manager.id,
      syncId,
      sourceType: "upload",
      uploadId: file.id,
      name: "Renamed",
    });
    expect(edited.redirect).toContain(`/imports/${syncId}/edit/preview`);
    expect((await syncRow(syncId)).name).toBe("Renamed");
    const taken = await post(saveMappingAction, {
      managerId: manager.id,
      syncId,
      "columns.0.column": "Email",
      "columns.0.fieldId": "",
      "columns.1.column": "Note",
      "columns.1.fieldId": "",
      key: "Email",
      intent: "addField",
      newFieldLabel: "first name",
      newFieldColumn: "Note",
    });
    expect(taken.state?.errors?.newFieldLabel?.[0]).toMatch(/already has a field/);
  });

  it("each step's validation errors come back per field, with the entered values (no secrets)", async () => {
    actAs(await createTestUser(db, "editor"));
    const manager = await createManager(db, { name: uniqueName("wizard") });
    const noFile = await post(saveSourceAction, {
      ...sourceDefaults,
      managerId: manager.id,
      sourceType: "upload",
      uploadId: "",
    });
    expect(noFile.state?.errors?.uploadId?.[0]).toMatch(/Choose a file/);

    const bad = await post(saveSourceAction, {
      ...sourceDefaults,
      managerId: manager.id,
      sourceType: "remote",
      location: "ftp://host\\drop\\file.csv",
      password: "hunter2",
      delimiter: "other",
      delimiterOther: "",
      errorEmail: "not-an-email",
    });
    expect(bad.state?.code).toBe("invalid");
    expect(bad.state?.errors?.location?.[0]).toMatch(/\\/);
    expect(bad.state?.errors?.delimiterOther?.[0]).toMatch(/one delimiter character/);
    expect(bad.state?.errors?.errorEmail?.[0]).toMatch(/valid email/);
    expect(bad.state?.values?.location).toBe("ftp://host\\drop\\file.csv");
    expect(JSON.stringify(bad.state)).not.toContain("hunter2");

    const noLogin = await post(saveSourceAction, {
      ...sourceDefaults,
      managerId: manager.id,
      sourceType: "remote",
      location: "ftp://files.example.org/a.csv",
    });
    expect(noLogin.state?.errors?.login?.[0]).toMatch(/needs a login/);
    expect(noLogin.state?.errors?.password?.[0]).toMatch(/needs a password/);

    const everyNew = await post(saveSourceAction, {
      ...sourceDefaults,
      managerId: manager.id,
      sourceType: "remote",
      location: "sftp://files.example.org/drop/*.csv",
      login: "u",
      password: "p",
      folderMode: "every_new",
      deleteMissing: "on",
    });
    expect(everyNew.state?.errors?.deleteMissing?.[0]).toMatch(/not available/);
  });

  it("generated keys switch update and delete-missing off", async () => {
    const editor = await createTestUser(db, "editor");
    actAs(editor);
    const manager = await createManager(db, { name: uniqueName("wizard") });
    const file = await upload(editor.id, "Email\nann@example.org\n");
    const step1 = await post(saveSourceAction, {
      ...sourceDefaults,
      managerId: manager.id,
      sourceType: "upload",
      uploadId: file.id,
      deleteMissing: "on",
    });
    const syncId = syncIdOf(step1.redirect!);
    expect((await syncRow(syncId)).deleteMissing).toBe(true);
    const missingKey = await post(saveMappingAction, {
      managerId: manager.id,
      syncId,
      "columns.0.column": "Email",
      "columns.0.fieldId": "",
      key: "",
      intent: "run",
    });
    expect(missingKey.state?.errors?.key?.[0]).toMatch(/unique identifier/);
    await post(saveMappingAction, {
      managerId: manager.id,
      syncId,
      "columns.0.column": "Email",
      "columns.0.fieldId": "",
      key: AUTO_KEY,
      intent: "apply",
    });
    const sync = await syncRow(syncId);
    expect(sync.mapping?.autoKey).toBe(true);
    expect(sync.updateExisting).toBe(false);
    expect(sync.deleteMissing).toBe(false);
  });
});

describe("wizard drafts: SFTP host key pinned on first use", () => {
  it("a new remote import is created only when its source can be reached", async () => {
    const editor = await createTestUser(db, "editor");
    actAs(editor);
    const manager = await createManager(db, { name: uniqueName("wizard") });
    const refused = await post(saveSourceAction, sftpSourceForm(manager.id, "wrong-password"));
    expect(refused.redirect).toBeNull();
    expect(refused.state?.message).toMatch(/No import was created/);
    expect(refused.state?.errors?.location?.[0]).toBeTruthy();
    expect(await db.select().from(syncs).where(eq(syncs.managerId, manager.id))).toEqual([]);
  });

  it("the first successful connection pins the key: saving step 1, else the preview; another key is then refused", async () => {
    const { manager, syncId } = await newSftpDraft();
    // Not tested first, no box ticked: step 1's own connection was the first use.
    expect((await syncRow(syncId)).hostKeyFingerprint).toBe(sftp.hostKeyFingerprint);
    // A draft without a pin yet (its server changed): the preview's connection pins it.
    await db.update(syncs).set({ hostKeyFingerprint: null }).where(eq(syncs.id, syncId));
    const draft = await getWizardSync(db, manager.id, syncId);
    expect(draft!.hostKeyFingerprint).toBeNull();
    const fields = (await getManager(db, manager.id))!.fields;
    const first = await buildPreview(draft!, fields);
    expect(first.fatal).toBeNull();
    const pinned = await pinFirstHostKey(db, draft!, first.seenHostKey);
    expect(pinned.hostKeyFingerprint).toBe(sftp.hostKeyFingerprint);
    expect((await syncRow(syncId)).hostKeyFingerprint).toBe(sftp.hostKeyFingerprint);

    const otherKey = `SHA256:${"A".repeat(43)}`;
    const mismatch = await buildPreview({ ...pinned, hostKeyFingerprint: otherKey }, fields);
    expect(mismatch.fatal?.message).toMatch(/host key/i);

    // "Run Import now" on the last step: the run is recorded as the wizard's, not as a "Go".
    const email = fields.find((f) => f.role === "email")!;
    await post(saveMappingAction, {
      managerId: manager.id,
      syncId,
      "columns.0.column": "Member",
      "columns.0.fieldId": "",
      "columns.1.column": "Email",
      "columns.1.fieldId": email.id,
      "columns.2.column": "First Name",
      "columns.2.fieldId": "",
      key: "Member",
      intent: "next",
    });
    const now = await post(saveScheduleAction, { managerId: manager.id, syncId, intent: "now" });
    const runId = /runs\/([0-9a-f-]{36})$/.exec(now.redirect!)![1];
    const run = await waitForRun(db, { runId });
    expect(run.trigger).toBe("wizard");
    expect(run.status).toBe("succeeded");
  });
});

describe("wizard drafts: SFTP source with a schedule", () => {
  it("stores the password encrypted, keeps it when left blank, pins the tested host key, schedules with next_run_at", async () => {
    const editor = await createTestUser(db, "editor");
    actAs(editor);
    const manager = await createManager(db, { name: uniqueName("wizard") });
    const location = `${sftp.url}/contacts.csv`;
    const remote = {
      ...sourceDefaults,
      managerId: manager.id,
      sourceType: "remote",
      location,
      login: "feed",
      delimiter: "semicolon",
    };

    const tested = await post(saveSourceAction, { ...remote, password: "s3cret-pass", intent: "test" });
    expect(tested.state?.test?.ok).toBe(true);
    expect(tested.state?.test?.fingerprint).toBe(sftp.hostKeyFingerprint);
    expect(JSON.stringify(tested.state)).not.toContain("s3cret-pass");

    // No box to tick: the key the test showed is pinned as the user goes on.
    const saved = await post(saveSourceAction, {
      ...remote,
      password: "s3cret-pass",
      fingerprint: sftp.hostKeyFingerprint,
    });
    const syncId = syncIdOf(saved.redirect!);
    let sync = await syncRow(syncId);
    expect(sync).toMatchObject({
      sourceKind: "sftp",
      location,
      login: "feed",
      hostKeyFingerprint: sftp.hostKeyFingerprint,
      delimiter: ";",
    });
    expect(sync.secretEnc).not.toContain("s3cret");
    expect(decryptSecret<{ password: string }>(sync.secretEnc!).password).toBe("s3cret-pass");

    // Reopened later (another browser): blank password keeps the stored one.
    const again = await post(saveSourceAction, {
      ...remote,
      syncId,
      secretSet: "1",
      password: "",
      fingerprint: sftp.hostKeyFingerprint,
      trustFingerprint: "on",
    });
    expect(again.redirect).toContain(`/imports/${syncId}/edit/preview`);
    sync = await syncRow(syncId);
    expect(decryptSecret<{ password: string }>(sync.secretEnc!).password).toBe("s3cret-pass");

    // Another server: the saved password is not sent there; it must be entered again.
    const moved = await post(saveSourceAction, {
      ...remote,
      syncId,
      secretSet: "1",
      password: "",
      location: "sftp://127.0.0.2:2222/contacts.csv",
    });
    expect(moved.state?.errors?.password?.[0]).toMatch(/server changed/);

    const fields = (await getManager(db, manager.id))!.fields;
    const email = fields.find((f) => f.role === "email")!;
    const mapped = await post(saveMappingAction, {
      managerId: manager.id,
      syncId,
      "columns.0.column": "Member",
      "columns.0.fieldId": "",
      "columns.1.column": "Email",
      "columns.1.fieldId": email.id,
      "columns.2.column": "First Name",
      "columns.2.fieldId": fields.find((f) => f.role === "first_name")!.id,
      key: "Member",
      intent: "next",
    });
    expect(mapped.redirect).toBe(`/managers/${manager.id}/imports/${syncId}/edit/schedule`);
    expect((await syncRow(syncId)).wizardStep).toBe(4);

    const schedule = {
      managerId: manager.id,
      syncId,
      startDate: "2030-01-07",
      startTime: "06:30",
      tz: "Europe/Berlin",
      freq: "weekly",
      interval: "1",
      byDay: ["MO", "TH"],
      rangeKind: "count",
      count: "10",
      errorEmail: "ops@example.org",
      safetyThresholdPct: "15",
    };
    const noDays = await post(saveScheduleAction, { ...schedule, byDay: [], intent: "finish" });
    expect(noDays.state?.errors?.byDay?.[0]).toMatch(/at least one day/);

    const times = await post(scheduleTimesAction, schedule);
    expect(times.state?.runTimes).toHaveLength(5);
    expect(times.state?.runTimes?.[0]).toContain("2030-01-07 06:30");
    expect(times.state?.runTimes?.[1]).toContain("2030-01-10 06:30");

    const finish = await post(saveScheduleAction, { ...schedule, intent: "finish" });
    expect(finish.redirect).toBe(`/managers/${manager.id}/imports?notice=import_scheduled`);
    sync = await syncRow(syncId);
    expect(sync.state).toBe("active");
    expect(sync.schedule).toEqual({
      start: "2030-01-07T06:30",
      tz: "Europe/Berlin",
      rrule: expect.stringContaining("FREQ=WEEKLY"),
    });
    expect(sync.schedule!.rrule).toContain("BYDAY=MO,TH");
    expect(sync.schedule!.rrule).toContain("COUNT=10");
    expect(sync.nextRunAt?.toISOString()).toBe("2030-01-07T05:30:00.000Z");
    expect(sync.safetyThresholdPct).toBe(15);
    expect(sync.errorEmail).toBe("ops@example.org");
  });
});

describe("wizard drafts: a scheduled setup reviewed before it goes live", () => {
  it("Review import in schedule mode saves the schedule on the draft, reviews, and Schedule import then activates it", async () => {
    const { manager, syncId } = await newSftpDraft();
    const email = (await getManager(db, manager.id))!.fields.find((f) => f.role === "email")!;
    await post(saveMappingAction, {
      managerId: manager.id,
      syncId,
      "columns.0.column": "Member",
      "columns.0.fieldId": "",
      "columns.1.column": "Email",
      "columns.1.fieldId": email.id,
      key: "Member",
      intent: "next",
    });
    const schedule = {
      managerId: manager.id,
      syncId,
      mode: "schedule",
      startDate: "2030-01-07",
      startTime: "06:30",
      tz: "Europe/Berlin",
      freq: "daily",
      interval: "1",
      rangeKind: "none",
      errorEmail: "ops@example.org",
      safetyThresholdPct: "12",
    };
    // A schedule "Finish" would refuse is refused by the review too, and nothing runs.
    const bad = await post(saveScheduleAction, { ...schedule, freq: "weekly", byDay: [], intent: "review" });
    expect(bad.state?.errors?.byDay?.[0]).toMatch(/at least one day/);
    expect(await db.select().from(runs).where(eq(runs.syncId, syncId))).toEqual([]);

    const reviewed = await post(saveScheduleAction, { ...schedule, intent: "review" });
    expect(reviewed.redirect).toMatch(
      new RegExp(`^/managers/${manager.id}/imports/${syncId}/review\\?run=[0-9a-f-]{36}&from=wizard&finish=schedule$`),
    );
    const runId = /run=([0-9a-f-]{36})/.exec(reviewed.redirect!)![1];
    const dry = await waitForRun(db, { runId });
    expect(dry).toMatchObject({ dryRun: true, created: 2 });
    let sync = await syncRow(syncId);
    expect(sync).toMatchObject({
      state: "draft",
      nextRunAt: null,
      errorEmail: "ops@example.org",
      safetyThresholdPct: 12,
    });
    expect(sync.schedule).toMatchObject({ start: "2030-01-07T06:30", tz: "Europe/Berlin" });

    const scheduled = await post(runAfterReviewAction as never, {
      managerId: manager.id,
      syncId,
      from: "wizard",
      finish: "schedule",
    });
    expect(scheduled.redirect).toBe(`/managers/${manager.id}/imports?notice=import_scheduled`);
    sync = await syncRow(syncId);
    expect(sync.state).toBe("active");
    expect(sync.nextRunAt?.toISOString()).toBe("2030-01-07T05:30:00.000Z");
    // Scheduled, not run: the review's dry run is the only run.
    expect((await db.select().from(runs).where(eq(runs.syncId, syncId))).map((r) => r.id)).toEqual([runId]);
  });
});
