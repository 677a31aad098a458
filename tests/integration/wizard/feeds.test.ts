import fs from "node:fs";
import { Readable } from "node:stream";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { contacts } from "@/db/schema";
import {
  saveMappingAction,
  saveSourceAction,
  previewNextAction,
} from "@/app/managers/[id]/imports/[syncId]/edit/actions";
import { createManager, getManager } from "@/lib/managers/queries";
import { storeUpload } from "@/lib/sources/upload";
import { mappingDefaults } from "@/lib/wizard/mapping-step";
import { OP_COLUMN } from "@/lib/wizard/schemas";
import { actAs, createTestUser } from "@/tests/integration/auth/helpers";
import { tempRoot, touch } from "@/tests/integration/sources/helpers";
import { postForm, readSync, waitForRun } from "@/tests/integration/wizard/helpers";
import { uniqueName, useDb } from "@/tests/support/db";
import { startSftpServer, type TestSftpServer } from "@/tests/support/servers/sftp";

const { db } = useDb();
type State = Awaited<ReturnType<typeof saveSourceAction>> & {
  test?: { ok: boolean; message: string; files?: { name: string; ready: boolean; settling: boolean }[] };
};
const post = (action: (prev: State, fd: FormData) => Promise<State>, fields: Record<string, string | undefined>) =>
  postForm(action, fields);
const syncIdOf = (url: string) => /imports\/([0-9a-f-]{36})\//.exec(url)![1];
const base = { hasHeader: "on", delimiter: "comma", encoding: "auto", updateExisting: "on", intent: "next" };

let sftp: TestSftpServer;
let root: string;

beforeAll(async () => {
  root = tempRoot({ "drop/a.csv": "Email\na@x.org\n", "drop/a.csv.done": "", "drop/b.csv": "Email\nb@x.org\n" });
  const hourAgo = Math.floor(Date.now() / 1000) - 3600;
  touch(root, "drop/a.csv", hourAgo);
  touch(root, "drop/b.csv", hourAgo + 60);
  sftp = await startSftpServer({ root, user: "feed", password: "s3cret-pass" });
  process.env.ALLOW_PRIVATE_HOSTS = "true";
  (await import("@/lib/env")).reloadEnv();
});
afterAll(async () => {
  await sftp?.close();
  fs.rmSync(root, { recursive: true, force: true });
});
afterEach(() => actAs(null));

describe("wizard: real-world feed options", () => {
  it("step 1 stores settle time, ready marker, after-import and zip member; Test connection marks ready files", async () => {
    const editor = await createTestUser(db, "editor");
    actAs(editor);
    const manager = await createManager(db, { name: uniqueName("feeds") });
    const remote = {
      ...base,
      managerId: manager.id,
      sourceType: "remote",
      location: `${sftp.url}/drop/*.csv`,
      login: "feed",
      password: "s3cret-pass",
      settleSeconds: "45",
      readyMarker: "done",
      afterImport: "move",
      afterImportFolder: "processed",
      zipMember: "*.csv",
    };
    const tested = await post(saveSourceAction, { ...remote, intent: "test" });
    expect(tested.state?.test?.ok).toBe(true);
    expect(tested.state?.test?.files?.map((f) => [f.name, f.ready])).toEqual([
      ["a.csv", true],
      ["b.csv", false],
    ]);
    expect(tested.state?.test?.message).toMatch(/the newest ready one is a\.csv/);

    const missingFolder = await post(saveSourceAction, { ...remote, afterImportFolder: "" });
    expect(missingFolder.state?.errors?.afterImportFolder?.[0]).toMatch(/Name the folder/);

    const saved = await post(saveSourceAction, remote);
    const sync = await readSync(db, syncIdOf(saved.redirect!));
    expect(sync).toMatchObject({
      settleSeconds: 45,
      readyMarker: ".done",
      afterImport: "move:processed",
      zipMember: "*.csv",
    });
    // An HTTP link has no folder to tidy: the after-import action and the marker do not apply.
    const http = await post(saveSourceAction, {
      ...remote,
      syncId: sync.id,
      location: "https://files.example.org/export.csv.gz",
      login: "",
      password: "",
    });
    expect(http.state).toBeNull();
    expect(await readSync(db, sync.id)).toMatchObject({ afterImport: "leave", readyMarker: null });
  });

  it("mapping: 'This column says what to do' becomes the operation column and deletes on the next run", async () => {
    const editor = await createTestUser(db, "editor");
    actAs(editor);
    const manager = await createManager(db, { name: uniqueName("feeds-op") });
    const upload = await storeUpload(
      db,
      Readable.from([Buffer.from("Email,First Name,Action\nann@x.org,Ann,\nbob@x.org,Bob,upsert\n")]),
      { filename: "delta.csv", maxBytes: 1 << 20, createdBy: editor.id },
    );
    const step1 = await post(saveSourceAction, {
      ...base,
      managerId: manager.id,
      syncId: "",
      sourceType: "upload",
      uploadId: upload.id,
    });
    const syncId = syncIdOf(step1.redirect!);
    await post(previewNextAction, { managerId: manager.id, syncId });
    const fields = (await getManager(db, manager.id))!.fields;
    const email = fields.find((f) => f.role === "email")!;
    const run = await post(saveMappingAction, {
      managerId: manager.id,
      syncId,
      "columns.0.column": "Email",
      "columns.0.fieldId": email.id,
      "columns.1.column": "First Name",
      "columns.1.fieldId": "",
      "columns.2.column": "Action",
      "columns.2.fieldId": OP_COLUMN,
      key: "Email",
      intent: "run",
    });
    expect(run.redirect).toMatch(/\/runs\/[0-9a-f-]{36}$/);
    const sync = await readSync(db, syncId);
    expect(sync.mapping).toMatchObject({ keyColumn: "Email", opColumn: "Action" });
    expect(sync.mapping!.columns.map((c) => c.column)).toEqual(["Email"]);
    expect(mappingDefaults(["Email", "First Name", "Action"], fields, sync.mapping).columns[2]).toMatchObject({
      column: "Action",
      fieldId: OP_COLUMN,
    });
    expect((await waitForRun(db, { syncId })).status).toBe("succeeded");
    const rows = await db.select().from(contacts).where(eq(contacts.managerId, manager.id));
    expect(rows.map((r) => r.key).sort()).toEqual(["ann@x.org", "bob@x.org"]);

    const bothKey = await post(saveMappingAction, {
      managerId: manager.id,
      syncId,
      "columns.0.column": "Email",
      "columns.0.fieldId": OP_COLUMN,
      key: "Email",
      intent: "run",
    });
    expect(bothKey.state?.errors?.["columns.0.fieldId"]?.[0]).toMatch(/cannot also say what to do/);
  });
});
