import fs from "node:fs";
import path from "node:path";
import type http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sync } from "@/db/schema";
import { reloadEnv } from "@/lib/env";
import { encryptSecret } from "@/lib/security/crypto";
import { executeRun, queueRun, runSync, type RunSummary } from "@/lib/sync/run";
import { useDb } from "@/tests/support/db";
import { startFtpServer, type TestFtpServer } from "@/tests/support/servers/ftp";
import { startHttpServer, type TestHttpServer } from "@/tests/support/servers/http";
import {
  makeKeyPair,
  startSftpServer,
  type SftpServerOptions,
  type TestSftpServer,
} from "@/tests/support/servers/sftp";
import {
  contactsCsv,
  contactsDigest,
  exportJson,
  newManager,
  runRow,
  setSync,
  sleep,
  syncFromSpec,
  tempDir,
} from "@/tests/integration/reliability/helpers";

const { db, sql } = useDb();

// Faults must be detected in about a second, not the production minute.
const IDLE_MS = 1000;
const USER = "loader";
const PASSWORD = "Corr3ct-Horse-Battery";
const WRONG_PASSWORD = "Wr0ng-Pa55word-Staple";
// Big enough to span many network reads (a fault lands mid-file), small enough to keep the suite quick.
const ROWS = 4000;
const V1 = contactsCsv(ROWS);
const V2 = contactsCsv(ROWS, " v2");
// The killed-backend test needs an apply long enough to be caught in the act.
const BIG = 15_000;

let root: string;
let httpServer: TestHttpServer;
let httpMode: "ok" | "drop" | "stall" | "short" = "ok";
let httpBody = Buffer.from(V1);
const stalled: http.ServerResponse[] = [];
let ftp: TestFtpServer;
const sftpOpts: SftpServerOptions = { root: "", user: USER, password: PASSWORD, hostKey: makeKeyPair().private };
let sftp: TestSftpServer;

beforeAll(async () => {
  process.env.SOURCE_IDLE_TIMEOUT_MS = String(IDLE_MS);
  process.env.SOURCE_CONNECT_TIMEOUT_MS = "5000";
  reloadEnv();
  root = tempDir();
  fs.writeFileSync(path.join(root, "contacts.csv"), V1);
  sftpOpts.root = root;
  httpServer = await startHttpServer({
    root,
    routes: {
      // The file of the HTTP tests, with the fault of the moment.
      "/contacts.csv": (_req, res) => {
        const half = httpBody.subarray(0, Math.floor(httpBody.length / 2));
        if (httpMode === "ok")
          return void res
            .writeHead(200, { "content-type": "text/csv", "content-length": httpBody.length })
            .end(httpBody);
        res.writeHead(200, { "content-type": "text/csv", "content-length": httpBody.length, connection: "close" });
        res.write(half, () => {
          if (httpMode === "drop") res.socket?.destroy();
          else if (httpMode === "short")
            res.socket?.end(); // a clean close, but fewer bytes than Content-Length
          else stalled.push(res); // stall: headers and half the body, then silence
        });
      },
    },
  });
  ftp = await startFtpServer({ root, user: USER, password: PASSWORD });
  sftp = await startSftpServer(sftpOpts);
});
afterAll(async () => {
  for (const r of stalled) r.destroy();
  await Promise.all([httpServer?.close(), ftp?.close(), sftp?.close()]);
});

/** A manager with version 1 of the file imported, and its state to compare against. */
async function imported(spec: Parameters<typeof syncFromSpec>[2], rows = ROWS) {
  const m = await newManager(db);
  const sync = await syncFromSpec(db, m, spec);
  const first = await runSync({ syncId: sync.id, trigger: "manual" });
  expect(first).toMatchObject({ status: "succeeded", created: rows });
  return { m, sync, digest: await contactsDigest(sql, m.id), exported: await exportJson(db, sql, m.id) };
}

/** The fault run failed with a reason, changed nothing, and its run row says so. */
async function expectFailedAndUnchanged(
  r: RunSummary,
  base: { m: { id: string }; digest: unknown; exported: unknown },
  reason: RegExp,
) {
  if (process.env.SHOW_MESSAGES) console.log(r.message);
  expect({ status: r.status, message: r.message }).toEqual({
    status: "failed",
    message: expect.stringMatching(reason),
  });
  expect(await runRow(sql, r.runId)).toMatchObject({ status: "failed", finished: true, message: r.message });
  expect(await contactsDigest(sql, base.m.id)).toEqual(base.digest);
  expect(await exportJson(db, sql, base.m.id)).toEqual(base.exported);
}

/** After the fault is gone, the next run imports version 2 completely. */
async function expectNextRunWorks(sync: Sync, m: { id: string }, rows = ROWS) {
  const r = await runSync({ syncId: sync.id, trigger: "manual" });
  expect({ status: r.status, updated: r.updated, message: r.message }).toMatchObject({
    status: "succeeded",
    updated: rows,
  });
  const after = (await exportJson(db, sql, m.id)) as { fields: Record<string, string> }[];
  expect(after).toHaveLength(rows);
  expect(after.every((c) => c.fields["First Name"].endsWith(" v2"))).toBe(true);
}

const httpSpec = () => ({
  kind: "http" as const,
  location: `${httpServer.url}/contacts.csv`,
  folderMode: "newest" as const,
  allowPrivateHosts: true,
});
const ftpSpec = (password = PASSWORD) => ({
  kind: "ftp" as const,
  location: `${ftp.url}/contacts.csv`,
  login: USER,
  password,
  folderMode: "newest" as const,
  allowPrivateHosts: true,
});
const sftpSpec = (extra: { password?: string; hostKeyFingerprint?: string } = {}) => ({
  kind: "sftp" as const,
  location: `${sftp.url}/contacts.csv`,
  login: USER,
  password: PASSWORD,
  hostKeyFingerprint: sftp.hostKeyFingerprint,
  folderMode: "newest" as const,
  allowPrivateHosts: true,
  ...extra,
});

describe("remote faults leave contacts exactly as before, and the next run works", { timeout: 90_000 }, () => {
  it.each([
    ["drops the connection mid-transfer", "drop", /ended after \d+ of \d+ bytes|closed the connection/],
    ["sends fewer bytes than its Content-Length", "short", /ended after \d+ of \d+ bytes/],
    ["stalls mid-transfer", "stall", /stopped sending|did not answer|no data/i],
  ] as const)("HTTP server %s", async (_name, mode, reason) => {
    httpMode = "ok";
    httpBody = Buffer.from(V1);
    const base = await imported(httpSpec());
    httpBody = Buffer.from(V2);
    httpMode = mode;
    const started = Date.now();
    const r = await runSync({ syncId: base.sync.id, trigger: "manual" });
    if (mode === "stall") expect(Date.now() - started).toBeLessThan(IDLE_MS + 8000);
    await expectFailedAndUnchanged(r, base, reason);
    httpMode = "ok";
    await expectNextRunWorks(base.sync, base.m);
  });

  it("SFTP server drops the connection mid-transfer", async () => {
    const dir = path.join(root, "sftp-drop");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "contacts.csv"), V1);
    const base = await imported({ ...sftpSpec(), location: `${sftp.url}/sftp-drop/contacts.csv` });
    fs.writeFileSync(path.join(dir, "contacts.csv"), V2);
    sftpOpts.dropAtOffset = 64_000;
    try {
      const r = await runSync({ syncId: base.sync.id, trigger: "manual" });
      await expectFailedAndUnchanged(r, base, /ended after \d+ of \d+ bytes|closed the connection|connection/);
    } finally {
      sftpOpts.dropAtOffset = undefined;
    }
    await expectNextRunWorks(base.sync, base.m);
  });

  it("SFTP server stalls mid-transfer", async () => {
    const dir = path.join(root, "sftp-stall");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "contacts.csv"), V1);
    const base = await imported({ ...sftpSpec(), location: `${sftp.url}/sftp-stall/contacts.csv` });
    fs.writeFileSync(path.join(dir, "contacts.csv"), V2);
    sftpOpts.stallAtOffset = 64_000;
    const started = Date.now();
    try {
      const r = await runSync({ syncId: base.sync.id, trigger: "manual" });
      expect(Date.now() - started).toBeLessThan(IDLE_MS + 8000);
      await expectFailedAndUnchanged(r, base, /stopped sending|did not answer|no data/i);
    } finally {
      sftpOpts.stallAtOffset = undefined;
    }
    await expectNextRunWorks(base.sync, base.m);
  });

  it.each(["ftp", "sftp"] as const)(
    "%s with a wrong password fails with a login message that does not contain the password",
    async (kind) => {
      const dir = path.join(root, `creds-${kind}`);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, "contacts.csv"), V1);
      const location = `${kind === "ftp" ? ftp.url : sftp.url}/creds-${kind}/contacts.csv`;
      const base = await imported({ ...(kind === "ftp" ? ftpSpec() : sftpSpec()), location });
      fs.writeFileSync(path.join(dir, "contacts.csv"), V2);
      await setSync(db, base.sync.id, { secretEnc: encryptSecret({ password: WRONG_PASSWORD }) });
      const r = await runSync({ syncId: base.sync.id, trigger: "manual" });
      await expectFailedAndUnchanged(r, base, /refused the login/);
      const [{ stored }] =
        await sql`select string_agg(coalesce(message, ''), ' ') as stored from runs where sync_id = ${base.sync.id}`;
      expect(stored).not.toContain(WRONG_PASSWORD);
      expect(stored).not.toContain(PASSWORD);
      await setSync(db, base.sync.id, { secretEnc: encryptSecret({ password: PASSWORD }) });
      await expectNextRunWorks(base.sync, base.m);
    },
  );

  it("SFTP server whose host key changed is refused before the password is sent", async () => {
    const dir = path.join(root, "hostkey");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "contacts.csv"), V1);
    const base = await imported({ ...sftpSpec(), location: `${sftp.url}/hostkey/contacts.csv` });
    fs.writeFileSync(path.join(dir, "contacts.csv"), V2);
    // The same address now answers with another key (a reinstalled server, or someone in the middle).
    const other = await startSftpServer({ root, user: USER, password: PASSWORD });
    const before = other.authAttempts.length;
    try {
      await setSync(db, base.sync.id, { location: `${other.url}/hostkey/contacts.csv` });
      const r = await runSync({ syncId: base.sync.id, trigger: "manual" });
      await expectFailedAndUnchanged(r, base, /host key .* changed|host key of .* is .*not the pinned/i);
      expect(r.message).toContain(other.hostKeyFingerprint);
      expect(other.authAttempts.slice(before)).not.toContain("password");
    } finally {
      await other.close();
    }
    await setSync(db, base.sync.id, { location: `${sftp.url}/hostkey/contacts.csv` });
    await expectNextRunWorks(base.sync, base.m);
  });

  it("a Postgres backend killed during apply of a remote (HTTP) import changes nothing", async () => {
    httpMode = "ok";
    httpBody = Buffer.from(contactsCsv(BIG));
    const base = await imported(httpSpec(), BIG);
    httpBody = Buffer.from(contactsCsv(BIG, " v2"));
    const runId = await queueRun({ syncId: base.sync.id, trigger: "manual" });
    let killed = 0;
    let stop = false;
    const killer = (async () => {
      while (!stop && killed === 0) {
        const victims = await sql<{ pid: number }[]>`
          select pid from pg_stat_activity
          -- Only this run's backend: other test files apply imports in the same database at the same time.
          where application_name = ${"contact-sync run " + runId} and state = 'active'
            -- A statement of the apply phase (lib/sync/apply.ts): versions, updates, inserts of contacts.
            and ltrim(query, E' \n\t') ~* '^(insert into contact_versions|update contacts|insert into contacts|with deleted_rows)'`;
        for (const v of victims) {
          await sql`select pg_terminate_backend(${v.pid})`;
          killed++;
        }
        await sleep(2);
      }
    })();
    const r = await executeRun(runId);
    stop = true;
    await killer;
    expect(killed).toBeGreaterThan(0);
    await expectFailedAndUnchanged(r, base, /database connection was lost/);
    await expectNextRunWorks(base.sync, base.m, BIG);
  });
});

describe("a fault before the engine starts reading", () => {
  it("reaches the reader as a stream error, not as an uncaught exception that would kill the app process", async () => {
    const { openSource } = await import("@/lib/sources");
    httpMode = "drop";
    httpBody = Buffer.from(V1);
    try {
      const opened = await openSource(httpSpec());
      if (opened.unchanged) throw new Error("expected a download");
      // The engine opens its database connection between opening the source and reading it.
      await sleep(300);
      const read = (async () => {
        for await (const _chunk of opened.source.stream) void _chunk;
      })();
      await expect(read).rejects.toMatchObject({
        code: "truncated",
        message: expect.stringMatching(/ended after \d+ of \d+ bytes/),
      });
      await opened.source.close();
    } finally {
      httpMode = "ok";
    }
  });
});
