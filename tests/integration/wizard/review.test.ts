import { Readable } from "node:stream";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { contacts } from "@/db/schema";
import { createManager, getManager } from "@/lib/managers/queries";
import { storeUpload } from "@/lib/sources/upload";
import { loadReview } from "@/lib/wizard/review";
import { saveMappingAction, saveSourceAction } from "@/app/managers/[id]/imports/[syncId]/edit/actions";
import { runAfterReviewAction } from "@/app/managers/[id]/imports/[syncId]/review/actions";
import { uniqueName, useDb } from "@/tests/support/db";
import { actAs, createTestUser } from "@/tests/integration/auth/helpers";
import { postForm, readSync, waitForRun, type PostResult } from "@/tests/integration/wizard/helpers";

const { db } = useDb();
afterEach(() => actAs(null));

type State = Awaited<ReturnType<typeof saveSourceAction>>;
const post = (
  action: (prev: State, fd: FormData) => Promise<State>,
  fields: Record<string, string | string[] | undefined>,
): Promise<PostResult<State>> => postForm(action, fields);

const runIdOf = (url: string) => /run=([0-9a-f-]{36})/.exec(url)![1];

describe("the review before writing (a dry run of the whole file)", () => {
  it("at the end of the wizard: counts, row errors and duplicates, nothing written; Run Import then applies", async () => {
    const editor = await createTestUser(db, "editor");
    actAs(editor);
    const manager = await createManager(db, { name: uniqueName("review") });
    const csv = "Email,First Name\nann@example.org,Ann\nbad-email,Bob\nann@example.org,Again\ncy@example.org,Cy\n";
    const file = await storeUpload(db, Readable.from([Buffer.from(csv)]), {
      filename: "r.csv",
      maxBytes: 1 << 20,
      createdBy: editor.id,
    });
    const step1 = await post(saveSourceAction, {
      managerId: manager.id,
      syncId: "",
      sourceType: "upload",
      uploadId: file.id,
      hasHeader: "on",
      delimiter: "comma",
      encoding: "auto",
      updateExisting: "on",
      intent: "next",
    });
    const syncId = /imports\/([0-9a-f-]{36})\//.exec(step1.redirect!)![1];
    const fields = (await getManager(db, manager.id))!.fields;
    const reviewed = await post(saveMappingAction, {
      managerId: manager.id,
      syncId,
      "columns.0.column": "Email",
      "columns.0.fieldId": fields.find((f) => f.role === "email")!.id,
      "columns.1.column": "First Name",
      "columns.1.fieldId": fields.find((f) => f.role === "first_name")!.id,
      key: "Email",
      intent: "review",
    });
    expect(reviewed.redirect).toMatch(new RegExp(`^/managers/${manager.id}/imports/${syncId}/review\\?run=`));
    const runId = runIdOf(reviewed.redirect!);
    const run = await waitForRun(db, { runId });
    expect(run).toMatchObject({ dryRun: true, created: 2, updated: 0, deleted: 0, errorCount: 2 });
    const review = await loadReview(db, syncId, runId);
    expect(review!.errors.map((e) => e.line)).toEqual([3, 4]);
    expect(review!.errors[1].message).toMatch(/^Duplicate key/);
    expect(await db.select().from(contacts).where(eq(contacts.managerId, manager.id))).toEqual([]);
    expect((await readSync(db, syncId)).state).toBe("draft");

    const go = await post(runAfterReviewAction as never, { managerId: manager.id, syncId, from: "wizard" });
    const realRun = await waitForRun(db, { runId: go.redirect!.split("/").pop()! });
    expect(realRun).toMatchObject({ dryRun: false, created: 2, trigger: "upload" });
    expect((await readSync(db, syncId)).state).toBe("active");
  });
});
