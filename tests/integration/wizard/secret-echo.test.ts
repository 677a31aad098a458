import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { saveSourceAction } from "@/app/managers/[id]/imports/[syncId]/edit/actions";
import { createManager } from "@/lib/managers/queries";
import { uniqueName, useDb } from "@/tests/support/db";
import { actAs, createTestUser } from "@/tests/integration/auth/helpers";
import { postForm } from "@/tests/integration/wizard/helpers";

const { db } = useDb();
afterEach(() => actAs(null));

const KEY =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n";
const source = {
  sourceType: "remote",
  location: "sftp://files.example.org/drop/contacts.csv",
  login: "loader",
  authMethod: "key",
  privateKey: KEY,
  passphrase: "key-passphrase-never-echoed",
  password: "password-never-echoed",
  hasHeader: "on",
  delimiter: "comma",
  encoding: "auto",
  intent: "next",
};

/** The action state goes to the browser (and back into the form): it holds none of the credentials typed. */
function expectNoSecret(state: unknown) {
  const text = JSON.stringify(state);
  expect(text).not.toContain("PRIVATE KEY");
  expect(text).not.toContain("never-echoed");
  expect(text).toContain("loader"); // the other values are kept, so a form without JavaScript keeps them
}

describe("credentials are never sent back to a browser, also when a wizard step fails", () => {
  it("a step-1 post that fails with an AppError (the import was deleted meanwhile)", async () => {
    actAs(await createTestUser(db, "editor"));
    const m = await createManager(db, { name: uniqueName("echo") });
    const { state } = await postForm(saveSourceAction as never, { managerId: m.id, syncId: randomUUID(), ...source });
    expect((state as { code?: string }).code).toBe("not_found");
    expectNoSecret(state);
  });

  it("a step-1 post whose ids the guard refuses", async () => {
    actAs(await createTestUser(db, "editor"));
    const { state } = await postForm(saveSourceAction as never, { managerId: "not-a-uuid", syncId: "", ...source });
    expect((state as { code?: string }).code).toBe("invalid");
    expectNoSecret(state);
  });
});
