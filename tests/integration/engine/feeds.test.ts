import fs from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NewSync } from "@/db/schema";
import { listImportsPage } from "@/lib/runs/queries";
import { revertRun } from "@/lib/runs/revert";
import { encryptSecret } from "@/lib/security/crypto";
import { runSync } from "@/lib/sync/run";
import { makeFileSync, makeManager, writeCsv } from "@/tests/integration/engine/helpers";
import { tempRoot, touch } from "@/tests/integration/sources/helpers";
import { makeZip } from "@/tests/support/archives";
import { useDb } from "@/tests/support/db";
import { startFtpServer, type TestFtpServer } from "@/tests/support/servers/ftp";
import { startSftpServer, type TestSftpServer } from "@/tests/support/servers/sftp";

const { db, sql } = useDb();
const LONG_AGO = Math.floor(Date.now() / 1000) - 3600;

async function liveKeys(managerId: string): Promise<string[]> {
  const rows = await sql<{ key: string }[]>`
    select key from contacts where manager_id = ${managerId} and deleted_at is null order by key`;
  return rows.map((r) => r.key);
}

async function setOpColumn(syncId: string, column: string) {
  await sql`update syncs set mapping = mapping || ${sql.json({ opColumn: column })} where id = ${syncId}`;
}

describe("the operation column", () => {
  const withOp = { map: { Email: "Email", First: "First Name" } };

  it("direct path (first import): delete rows change nothing, count as unchanged; a bad operation is a row error", async () => {
    const m = await makeManager(db);
    const file = writeCsv(
      "Email,First,Op\nann@x.com,Ann,\nbob@x.com,Bob,UPSERT\ncid@x.com,Cid,u\ngone@x.com,not-checked,Delete\nzed@x.com,Zed,maybe\n",
    );
    const s = await makeFileSync(db, m, file, withOp);
    await setOpColumn(s.id, "Op");
    const r = await runSync({ syncId: s.id, trigger: "manual" });
    expect(r).toMatchObject({ status: "completed_with_errors", created: 3, deleted: 0, unchanged: 1 });
    expect(r.errors).toEqual([
      {
        line: 6,
        column: "Op",
        message: expect.stringMatching(/The operation "maybe" is not one of delete, d, remove/),
      },
    ]);
    expect(await liveKeys(m.id)).toEqual(["ann@x.com", "bob@x.com", "cid@x.com"]);
  });

  it("stage path: delete / d / remove (any case) soft-delete the key's contact, counted, guarded by the run, revertible", async () => {
    const m = await makeManager(db);
    const first = writeCsv("Email,First\nann@x.com,Ann\nbob@x.com,Bob\ncid@x.com,Cid\ndan@x.com,Dan\n");
    const s = await makeFileSync(db, m, first);
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ status: "succeeded", created: 4 });

    const delta = writeCsv(
      "Email,First,Op\nANN@x.com,,DELETE\nbob@x.com,Bob,d\ncid@x.com,Cid,Remove\neve@x.com,Eve,\nnobody@x.com,,delete\n",
    );
    await sql`update syncs set location = ${delta} where id = ${s.id}`;
    await setOpColumn(s.id, "Op");
    const r = await runSync({ syncId: s.id, trigger: "manual" });
    // nobody@x.com names no contact: nothing to delete, unchanged.
    expect(r).toMatchObject({ status: "succeeded", created: 1, updated: 0, deleted: 3, unchanged: 1 });
    expect(await liveKeys(m.id)).toEqual(["dan@x.com", "eve@x.com"]);
    const [{ count }] = await sql<{ count: number }[]>`
      select contact_count as count from managers where id = ${m.id}`;
    expect(count).toBe(2);

    const [user] = await sql<{ id: string }[]>`
      insert into users (email, password_hash, role) values (${`op-${Date.now()}@x.com`}, 'x', 'admin') returning id`;
    await revertRun(db, { runId: r.runId, user: { id: user.id, email: "op@x.com" } });
    expect(await liveKeys(m.id)).toEqual(["ann@x.com", "bob@x.com", "cid@x.com", "dan@x.com"]);
  });

  it("operation-column deletes are subject to the guards: over 'max deleted' the run is blocked, the plan names them", async () => {
    const m = await makeManager(db);
    const s = await makeFileSync(db, m, writeCsv("Email,First\na@x.com,A\nb@x.com,B\nc@x.com,C\n"));
    await runSync({ syncId: s.id, trigger: "manual" });
    await sql`update syncs set location = ${writeCsv("Email,First,Op\na@x.com,,delete\nb@x.com,,delete\n")},
      guards = ${sql.json({ maxDeleted: { count: 1 }, everyRun: true })} where id = ${s.id}`;
    await setOpColumn(s.id, "Op");
    const r = await runSync({ syncId: s.id, trigger: "manual" });
    expect(r).toMatchObject({ status: "blocked", deleted: 2 });
    expect(r.plan?.deleted).toEqual(["a@x.com", "b@x.com"]);
    expect(await liveKeys(m.id)).toEqual(["a@x.com", "b@x.com", "c@x.com"]);
  });

  it("a dry run counts the deletes and changes nothing", async () => {
    const m = await makeManager(db);
    const s = await makeFileSync(db, m, writeCsv("Email,First\nann@x.com,Ann\nbob@x.com,Bob\n"));
    await runSync({ syncId: s.id, trigger: "manual" });
    await sql`update syncs set location = ${writeCsv("Email,First,Op\nann@x.com,,d\n")} where id = ${s.id}`;
    await setOpColumn(s.id, "Op");
    expect(await runSync({ syncId: s.id, trigger: "manual", dryRun: true })).toMatchObject({ deleted: 1 });
    expect(await liveKeys(m.id)).toEqual(["ann@x.com", "bob@x.com"]);
  });
});

describe("compressed files, markers and after-import actions through the engine", () => {
  const csv = (n: number, prefix = "c") =>
    `Email,First\n${Array.from({ length: n }, (_, i) => `${prefix}${i}@x.com,N${i}`).join("\n")}\n`;
  let root: string;
  let ftp: TestFtpServer;
  let sftp: TestSftpServer;
  const login = { login: "u", secretEnc: encryptSecret({ password: "p4ss-word" }), allowPrivateHosts: true };

  beforeAll(async () => {
    root = tempRoot({});
    ftp = await startFtpServer({ root, user: "u", password: "p4ss-word" });
    sftp = await startSftpServer({ root, user: "u", password: "p4ss-word" });
  });
  afterAll(async () => {
    await Promise.all([ftp?.close(), sftp?.close()]);
  });

  function put(rel: string, data: string | Buffer, mtime = LONG_AGO) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), data);
    touch(root, rel, mtime);
  }
  const ls = (rel: string) => (fs.existsSync(path.join(root, rel)) ? fs.readdirSync(path.join(root, rel)).sort() : []);
  const remote = (kind: "ftp" | "sftp", rel: string, extra: Partial<NewSync> = {}): Partial<NewSync> => ({
    sourceKind: kind,
    location: `${kind === "ftp" ? ftp.url : sftp.url}/${rel}`,
    ...login,
    ...extra,
  });

  it("a .csv.gz over FTP imports; the unchanged archive is skipped without downloading it", async () => {
    put("gz/contacts.csv.gz", gzipSync(csv(50)));
    const m = await makeManager(db);
    const s = await makeFileSync(db, m, "unused", remote("ftp", "gz/contacts.csv.gz"));
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ status: "succeeded", created: 50 });
    const reads = ftp.reads.length;
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ status: "skipped_unchanged" });
    expect(ftp.reads.length).toBe(reads);
  });

  it("a ZIP with two members fails listing them, then imports the zip member chosen", async () => {
    put("zip/export.zip", await makeZip({ "a.csv": csv(3, "a"), "b.csv": csv(5, "b") }));
    const m = await makeManager(db);
    const s = await makeFileSync(db, m, "unused", remote("sftp", "zip/export.zip"));
    const failed = await runSync({ syncId: s.id, trigger: "manual" });
    expect(failed).toMatchObject({ status: "failed", message: expect.stringMatching(/"a\.csv", "b\.csv"/) });
    await sql`update syncs set zip_member = 'b.*' where id = ${s.id}`;
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ status: "succeeded", created: 5 });
  });

  it("with a ready marker a file without one is skipped (not ready), the marked one imported and moved with its marker", async () => {
    for (const kind of ["ftp", "sftp"] as const) {
      const dir = `mark-${kind}`;
      put(`${dir}/one.csv`, csv(2, "one"));
      const m = await makeManager(db);
      const s = await makeFileSync(
        db,
        m,
        "unused",
        remote(kind, `${dir}/*.csv`, { readyMarker: ".done", afterImport: "move:processed" }),
      );
      expect(await runSync({ syncId: s.id, trigger: "schedule" })).toMatchObject({
        status: "skipped_unchanged",
        message: expect.stringMatching(/none has its \.done marker/),
      });
      put(`${dir}/one.csv.done`, "");
      expect(await runSync({ syncId: s.id, trigger: "schedule" })).toMatchObject({ status: "succeeded", created: 2 });
      expect(ls(dir)).toEqual(["processed"]);
      expect(ls(`${dir}/processed`)).toEqual(["one.csv", "one.csv.done"]);
    }
  });

  it("delete after import on FTP and SFTP; never after a dry run or a failed run", async () => {
    for (const kind of ["ftp", "sftp"] as const) {
      const dir = `del-${kind}`;
      put(`${dir}/in.csv`, csv(2));
      const m = await makeManager(db);
      const s = await makeFileSync(db, m, "unused", remote(kind, `${dir}/in.csv`, { afterImport: "delete" }));
      expect(await runSync({ syncId: s.id, trigger: "manual", dryRun: true })).toMatchObject({ status: "succeeded" });
      expect(ls(dir)).toEqual(["in.csv"]);
      put(`${dir}/in.csv`, 'Email,First\n"unclosed,x\n');
      expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ status: "failed" });
      expect(ls(dir)).toEqual(["in.csv"]);
      put(`${dir}/in.csv`, csv(2), LONG_AGO + 10);
      expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ status: "succeeded", created: 2 });
      expect(ls(dir)).toEqual([]);
    }
  });

  it("a failing move leaves the import applied and records a warning that is shown and emailed", async () => {
    const dir = tempRoot({ "drop/in.csv": csv(3) });
    touch(dir, "drop/in.csv", LONG_AGO);
    const locked = await startSftpServer({ root: dir, user: "u", password: "p4ss-word", readOnly: true });
    try {
      const m = await makeManager(db);
      const s = await makeFileSync(db, m, "unused", {
        ...login,
        sourceKind: "sftp",
        location: `${locked.url}/drop/in.csv`,
        afterImport: "move:done",
        errorEmail: "ops@example.com",
      });
      const r = await runSync({ syncId: s.id, trigger: "manual" });
      expect(r).toMatchObject({ status: "succeeded", created: 3 });
      const [run] = await sql<{ warning: string | null }[]>`select warning from runs where id = ${r.runId}`;
      expect(run.warning).toMatch(
        /The import was applied, but the after-import move \(done\) of \/drop\/in\.csv failed/,
      );
      expect(await liveKeys(m.id)).toHaveLength(3);
      const mails = await sql<{ subject: string; body: string }[]>`
        select subject, body from notifications where run_id = ${r.runId}`;
      expect(mails).toHaveLength(1);
      expect(mails[0].subject).toMatch(/with a warning/);
      expect(mails[0].body).toMatch(/Warning: The import was applied/);
      // The imports list: a yellow mark whose tooltip starts with the warning.
      const [row] = (await listImportsPage(db, { syncId: s.id })).rows;
      expect(row.status).toBe("errors");
      expect(row.errors[0]).toMatch(/^Warning: The import was applied/);
      expect(row.latestRun?.warning).toMatch(/after-import move/);
    } finally {
      await locked.close();
    }
  });
});
