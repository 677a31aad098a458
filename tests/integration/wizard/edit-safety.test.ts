import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { runs } from "@/db/schema";
import { createManager, getManager } from "@/lib/managers/queries";
import { storeUpload } from "@/lib/sources/upload";
import { addFieldAction, createManagerAction } from "@/app/managers/actions";
import {
  discardEditAction,
  saveMappingAction,
  saveSourceAction,
} from "@/app/managers/[id]/imports/[syncId]/edit/actions";
import { uniqueName, useDb } from "@/tests/support/db";
import { actAs, createTestUser } from "@/tests/integration/auth/helpers";
import { postForm, readSync, waitForRun } from "@/tests/integration/wizard/helpers";

const { db, sql } = useDb();
type State = Awaited<ReturnType<typeof saveSourceAction>>;
const post = (
  action: (prev: State, fd: FormData) => Promise<State>,
  fields: Record<string, string | string[] | undefined>,
) => postForm(action, fields);
const sourceDefaults = {
  hasHeader: "on",
  delimiter: "comma",
  encoding: "auto",
  updateExisting: "on",
  alwaysImport: "on",
  intent: "next",
};
const upload = (userId: string, content: string, filename: string) =>
  storeUpload(db, Readable.from([Buffer.from(content)]), { filename, maxBytes: 1 << 20, createdBy: userId });

afterEach(() => actAs(null));

/** An active upload import (key Email) that has run once with a.csv. */
async function activeUploadSync() {
  const editor = await createTestUser(db, "editor");
  actAs(editor);
  const manager = await createManager(db, { name: uniqueName("edit") });
  const fileA = await upload(editor.id, "Email,First Name\nann@example.org,Ann\nbob@example.org,Bob\n", "a.csv");
  const step1 = await post(saveSourceAction, {
    ...sourceDefaults,
    managerId: manager.id,
    syncId: "",
    sourceType: "upload",
    uploadId: fileA.id,
    name: "Members",
  });
  const syncId = /imports\/([0-9a-f-]{36})\//.exec(step1.redirect!)![1];
  const fields = (await getManager(db, manager.id))!.fields;
  const email = fields.find((f) => f.role === "email")!;
  const mapping = {
    managerId: manager.id,
    syncId,
    "columns.0.column": "Email",
    "columns.0.fieldId": email.id,
    "columns.1.column": "First Name",
    "columns.1.fieldId": "",
    key: "Email",
  };
  const run = await post(saveMappingAction, { ...mapping, intent: "run" });
  expect((await waitForRun(db, { runId: run.redirect!.split("/").pop()! })).status).toBe("succeeded");
  return { editor, manager, syncId, fileA, mapping };
}

describe("names with control characters", () => {
  it("a Contact Manager name or field label with a NUL character is a field error, not an internal error", async () => {
    const editor = await createTestUser(db, "editor");
    actAs(editor);
    const created = await post(createManagerAction as never, { name: `Bad\u0000Name ${uniqueName("x")}` });
    expect.soft(created.state).toMatchObject({ code: "invalid" });

    const manager = await createManager(db, { name: uniqueName("edit") });
    const field = await post(addFieldAction as never, { managerId: manager.id, label: "Nick\u0000name", type: "text" });
    expect.soft(field.state).toMatchObject({ code: "invalid" });
  });

  it("a name made only of control characters is refused like an empty name", async () => {
    const editor = await createTestUser(db, "editor");
    actAs(editor);
    const created = await post(createManagerAction as never, { name: "\u0007\u0001\u001b" });
    expect(created.redirect).toBeNull();
    expect(created.state).toMatchObject({ code: "invalid" });
  });
});

describe("finishing an edit of an active import", () => {
  it("refused because a run is active: the edit must stay pending (not silently go live)", async () => {
    const { editor, manager, syncId, fileA, mapping } = await activeUploadSync();
    const fileB = await upload(editor.id, "Email,First Name\ncarl@example.org,Carl\n", "b.csv");
    await post(saveSourceAction, {
      ...sourceDefaults,
      managerId: manager.id,
      syncId,
      sourceType: "upload",
      uploadId: fileB.id,
      deleteMissing: "on",
      name: "Renamed",
    });
    // A run of this import is in progress (e.g. started from another window).
    await db.insert(runs).values({ syncId, trigger: "upload", status: "running" });
    const finish = await post(saveMappingAction, { ...mapping, intent: "run" });
    expect(finish.state).toMatchObject({ code: "run_active", message: expect.stringMatching(/Your changes are kept/) });
    const live = await readSync(db, syncId);
    // The edit (another file, delete missing contacts on) did not go live behind the user's back.
    expect({
      name: live.name,
      uploadId: live.uploadId,
      deleteMissing: live.deleteMissing,
      pending: live.pendingEdit !== null,
    }).toEqual({
      name: "Members",
      uploadId: fileA.id,
      deleteMissing: false,
      pending: true,
    });
  });

  it("a step on an edit that another window discarded is refused, and nothing goes live", async () => {
    const { editor, manager, syncId, fileA, mapping } = await activeUploadSync();
    // Window 1: step 1 picks another file and renames; its pages carry that edit's token.
    const fileB = await upload(editor.id, "Email,First Name\ncarl@example.org,Carl\n", "b.csv");
    await post(saveSourceAction, {
      ...sourceDefaults,
      managerId: manager.id,
      syncId,
      sourceType: "upload",
      uploadId: fileB.id,
      name: "Members B",
      editSince: "",
    });
    const token = (await readSync(db, syncId)).pendingEdit!.startedAt;
    // Window 2: "Discard changes".
    await post(discardEditAction, { managerId: manager.id, syncId });
    // Window 1, still on its mapping step: "Run Import".
    const finish = await post(saveMappingAction, { ...mapping, editSince: token, intent: "run" });
    expect(finish.redirect).toBeNull();
    expect(finish.state).toMatchObject({ code: "edit_conflict" });
    const live = await readSync(db, syncId);
    expect({ uploadId: live.uploadId, name: live.name, pending: live.pendingEdit }).toEqual({
      uploadId: fileA.id,
      name: "Members",
      pending: null,
    });
    const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from runs where sync_id = ${syncId}`;
    expect(n).toBe(1);
  });

  it("a step on top of an edit another window started meanwhile is refused too", async () => {
    const { manager, syncId, mapping } = await activeUploadSync();
    // Window 2 starts an edit (delete-missing on) after window 1 rendered its page with no edit pending.
    await post(saveSourceAction, {
      ...sourceDefaults,
      managerId: manager.id,
      syncId,
      sourceType: "upload",
      uploadId: (await readSync(db, syncId)).uploadId!,
      deleteMissing: "on",
      editSince: "",
    });
    const finish = await post(saveMappingAction, { ...mapping, editSince: "", intent: "run" });
    expect(finish.state).toMatchObject({ code: "edit_conflict" });
    expect((await readSync(db, syncId)).deleteMissing).toBe(false);
  });
});
