import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { syncs, type Sync, type User } from "@/db/schema";
import { GET as listSyncsRoute } from "@/app/api/syncs/route";
import { setSessionReaderForTests } from "@/lib/auth/current-user";
import { passwordVersion } from "@/lib/auth/session";
import { reloadEnv } from "@/lib/env";
import { decryptSecret } from "@/lib/security/crypto";
import { sourceStepSchema } from "@/lib/wizard/schemas";
import { saveSourceStep } from "@/lib/wizard/source-step";
import { runSync } from "@/lib/sync/run";
import { useDb } from "@/tests/support/db";
import { makeClientKey, startSftpServer, type TestSftpServer } from "@/tests/support/servers/sftp";
import { makeUser } from "@/tests/integration/runs/fixtures";
import { newManager, tempDir } from "@/tests/integration/reliability/helpers";
import { logger } from "@/lib/log";

const { db, sql } = useDb();
const repo = path.resolve(__dirname, "../../..");

// What staff type into the wizard. The server accepts neither, so runs fail at login.
const PASSWORD = "Sup3r-Secret-Pa55-for-leak-test";
const KEY = makeClientKey();
const KEY_BODY = KEY.privateKey.split("\n")[1]; // a line of the key's base64: must never appear anywhere
let server: TestSftpServer;
let viewer: User;

beforeAll(async () => {
  // Log everything while the runs fail, so the leak check reads every line the app would write.
  process.env.LOG_LEVEL = "debug";
  reloadEnv();
  server = await startSftpServer({
    root: tempDir(),
    user: "loader",
    password: "the-real-server-password",
    publicKey: makeClientKey().publicKey,
  });
  viewer = await makeUser(db, "viewer");
  setSessionReaderForTests(async () => ({ userId: viewer.id, pv: passwordVersion(viewer.passwordHash) }));
});
afterAll(async () => {
  setSessionReaderForTests(null);
  await server?.close();
});

function expectNoSecret(text: string, where: string) {
  expect(text.includes(PASSWORD), `${where} contains the password`).toBe(false);
  expect(text.includes(KEY_BODY), `${where} contains the private key`).toBe(false);
  expect(text.includes("PRIVATE KEY-----\n"), `${where} contains a private key`).toBe(false);
}

/** Step 1 of the wizard (the draft function its action calls), then finished as an active sync. */
async function saveThroughWizard(
  managerId: string,
  userId: string,
  auth: { password: string } | { privateKey: string },
): Promise<Sync> {
  const values = sourceStepSchema.parse({
    name: "leak test " + ("password" in auth ? "password" : "key"),
    sourceType: "remote",
    location: `${server.url}/contacts.csv`,
    login: "loader",
    authMethod: "password" in auth ? "password" : "key",
    password: "password" in auth ? auth.password : "",
    privateKey: "privateKey" in auth ? auth.privateKey : "",
    fingerprint: server.hostKeyFingerprint,
    trustFingerprint: "on",
    hasHeader: "on",
    delimiter: "comma",
    encoding: "auto",
    updateExisting: "on",
  });
  const draft = await saveSourceStep(db, { managerId, syncId: null, userId, values });
  const [row] = await db
    .update(syncs)
    .set({
      state: "active",
      wizardStep: 5,
      allowPrivateHosts: true,
      mapping: { keyColumn: "Email", autoKey: false, columns: [] },
    })
    .where(eq(syncs.id, draft.id))
    .returning();
  return row;
}

function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["scripts/cli.mjs", ...args], {
      cwd: repo,
      env: process.env,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("source secrets never leak", { timeout: 90_000 }, () => {
  it("are stored encrypted, and absent from the API, the CLI list, run messages and logs", async () => {
    const editor = await makeUser(db, "editor");
    const m = await newManager(db);
    const withPassword = await saveThroughWizard(m.id, editor.id, { password: PASSWORD });
    const withKey = await saveThroughWizard(m.id, editor.id, { privateKey: KEY.privateKey });

    // At rest: only ciphertext, which decrypts to what was typed.
    for (const s of [withPassword, withKey]) {
      const [row] = await sql`select to_jsonb(s)::text as text, secret_enc from syncs s where id = ${s.id}`;
      expectNoSecret(row.text, "the syncs row");
      expect(row.secret_enc).toMatch(/^v1\./);
    }
    expect(decryptSecret<{ password?: string }>(withPassword.secretEnc!).password).toBe(PASSWORD);
    expect(decryptSecret<{ privateKey?: string }>(withKey.secretEnc!).privateKey).toBe(KEY.privateKey);

    // Runs that fail at login: clear message, no secret in it, nor in anything logged meanwhile.
    const logged: string[] = [];
    const level = logger.level;
    logger.level = "debug"; // every line the runs log, not only the test run's warnings
    const write = process.stdout.write.bind(process.stdout);
    const writeErr = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => (
      logged.push(String(chunk)), write(chunk, ...rest)
    )) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => (
      logged.push(String(chunk)), writeErr(chunk, ...rest)
    )) as typeof process.stderr.write;
    let results: Awaited<ReturnType<typeof runSync>>[];
    try {
      results = [
        await runSync({ syncId: withPassword.id, trigger: "manual" }),
        await runSync({ syncId: withKey.id, trigger: "manual" }),
      ];
    } finally {
      process.stdout.write = write;
      process.stderr.write = writeErr;
      logger.level = level;
    }
    for (const r of results) {
      expect(r).toMatchObject({
        status: "failed",
        message: expect.stringMatching(/refused the login|could not be used/),
      });
      expectNoSecret(r.message, "the run message");
    }
    expect(logged.join("")).toMatch(/"level":"(debug|info|warn|error)"/);
    expectNoSecret(logged.join(""), "the logs");

    // Everything the database holds about these imports (runs, errors, audit, outbox) is free of secrets.
    const [dump] = await sql`
      select concat_ws(' ',
        (select string_agg(to_jsonb(r)::text, ' ') from runs r where r.sync_id in (${withPassword.id}, ${withKey.id})),
        (select string_agg(to_jsonb(e)::text, ' ') from run_errors e join runs r on r.id = e.run_id where r.sync_id in (${withPassword.id}, ${withKey.id})),
        (select string_agg(to_jsonb(a)::text, ' ') from audit_log a),
        (select string_agg(to_jsonb(n)::text, ' ') from notifications n)) as text`;
    expectNoSecret(dump.text ?? "", "runs / run_errors / audit_log / notifications");

    // GET /api/syncs (what the browser gets).
    const res = await listSyncsRoute(new Request(`http://127.0.0.1/api/syncs?managerId=${m.id}`), {
      params: Promise.resolve({}),
    } as never);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(
      JSON.parse(body)
        .syncs.map((s: { id: string }) => s.id)
        .sort(),
    ).toEqual([withPassword.id, withKey.id].sort());
    expectNoSecret(body, "GET /api/syncs");
    expect(body).not.toContain(withPassword.secretEnc!);

    // `sync list --json`.
    const listed = await cli("sync", "list", "--json");
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).map((s: { id: string }) => s.id)).toEqual(
      expect.arrayContaining([withPassword.id, withKey.id]),
    );
    expectNoSecret(listed.stdout + listed.stderr, "sync list --json");
    expect(listed.stdout).not.toContain("secret");
  });
});
