import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useDb } from "@/tests/support/db";
import { startFtpServer, type TestFtpServer } from "@/tests/support/servers/ftp";
import { encryptSecret } from "@/lib/security/crypto";
import { runSync } from "@/lib/sync/run";
import { tempRoot, touch } from "@/tests/integration/sources/helpers";
import { makeFileSync, makeManager } from "@/tests/integration/engine/helpers";

const { db, sql } = useDb();
let server: TestFtpServer;
let root: string;

beforeAll(async () => {
  root = tempRoot({
    "drop/b.csv": "Email,First\nbob@x.com,Bob\n",
    "drop/a.csv": "Email,First\nann@x.com,Ann\n",
    "drop/notes.txt": "not a csv",
    // Daily deltas; two days in a row nothing changed, so the export is the same header-only file.
    "same/d1.csv": "Email,First\n",
    "same/d2.csv": "Email,First\n",
    "same/d3.csv": "Email,First\ncid@x.com,Cid\n",
  });
  touch(root, "drop/a.csv", 1_700_000_000);
  touch(root, "drop/b.csv", 1_700_000_100);
  touch(root, "same/d1.csv", 1_700_000_000);
  touch(root, "same/d2.csv", 1_700_000_100);
  touch(root, "same/d3.csv", 1_700_000_200);
  server = await startFtpServer({ root, user: "u", password: "p4ss" });
});
afterAll(async () => server?.close());

describe("every new file (FTP folder)", () => {
  it("imports each new matching file as its own run, oldest first, then skips until a new one appears", async () => {
    const m = await makeManager(db);
    const s = await makeFileSync(db, m, "unused", {
      sourceKind: "ftp",
      location: `${server.url}/drop/*.csv`,
      login: "u",
      secretEnc: encryptSecret({ password: "p4ss" }),
      folderMode: "every_new",
      allowPrivateHosts: true,
      deleteMissing: true, // not offered in this mode: ignored
    });
    const first = await runSync({ syncId: s.id, trigger: "manual" });
    expect(first).toMatchObject({ status: "succeeded", created: 1, deleted: 0 });
    const runs = await sql<{ source_name: string; status: string; created: number }[]>`
      select source_name, status, created from runs where sync_id = ${s.id} order by queued_at`;
    expect(runs).toEqual([
      { source_name: "a.csv", status: "succeeded", created: 1 },
      { source_name: "b.csv", status: "succeeded", created: 1 },
    ]);
    const files = await sql`select name from imported_files where sync_id = ${s.id} order by name`;
    expect(files.map((f) => f.name)).toEqual(["a.csv", "b.csv"]);

    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({
      status: "skipped_unchanged",
      message: "No new file to import.",
    });

    fs.writeFileSync(path.join(root, "drop/c.csv"), "Email,First\ncid@x.com,Cid\n");
    expect(await runSync({ syncId: s.id, trigger: "schedule" })).toMatchObject({
      status: "succeeded",
      created: 1,
      deleted: 0,
    });
    const [{ n }] =
      await sql`select count(*)::int as n from contacts where manager_id = ${m.id} and deleted_at is null`;
    expect(n).toBe(3);
  });

  it("imports a new file with the same content as the last one (it changes nothing), then goes on to the next", async () => {
    const m = await makeManager(db);
    const s = await makeFileSync(db, m, "unused", {
      sourceKind: "ftp",
      location: `${server.url}/same/*.csv`,
      login: "u",
      secretEnc: encryptSecret({ password: "p4ss" }),
      folderMode: "every_new",
      allowPrivateHosts: true,
    });
    // Judged "unchanged" by content, d2.csv was never recorded as imported and was picked again without end.
    const done = runSync({ syncId: s.id, trigger: "schedule" });
    const settled = await Promise.race([
      done.then(() => "returned"),
      new Promise((r) => setTimeout(() => r("still running after 20 s"), 20_000)),
    ]);
    if (settled !== "returned") {
      await sql`update syncs set state = 'deleted' where id = ${s.id}`; // ends the chain: queueRun refuses a deleted sync
      await done.catch(() => {});
    }
    expect(settled).toBe("returned");
    const runs = await sql<{ source_name: string; status: string; created: number }[]>`
      select source_name, status, created from runs where sync_id = ${s.id} order by queued_at`;
    expect(runs).toEqual([
      { source_name: "d1.csv", status: "succeeded", created: 0 },
      { source_name: "d2.csv", status: "succeeded", created: 0 },
      { source_name: "d3.csv", status: "succeeded", created: 1 },
    ]);
    const files = await sql`select name from imported_files where sync_id = ${s.id} order by name`;
    expect(files.map((f) => f.name)).toEqual(["d1.csv", "d2.csv", "d3.csv"]);
  });
});
