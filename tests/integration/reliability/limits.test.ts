import fs from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { User } from "@/db/schema";
import { POST as uploadRoute } from "@/app/api/uploads/route";
import { setSessionReaderForTests } from "@/lib/auth/current-user";
import { passwordVersion } from "@/lib/auth/session";
import { reloadEnv } from "@/lib/env";
import { runSync } from "@/lib/sync/run";
import { useDb } from "@/tests/support/db";
import { startHttpServer, type TestHttpServer } from "@/tests/support/servers/http";
import { makeUser } from "@/tests/integration/runs/fixtures";
import {
  contactsCsv,
  contactsDigest,
  exportJson,
  newManager,
  runRow,
  syncFromSpec,
  tempDir,
} from "@/tests/integration/reliability/helpers";

const { db, sql } = useDb();
const LIMITS = {
  UPLOAD_MAX_BYTES: 100_000,
  MAX_COLUMNS: 20,
  MAX_FIELD_BYTES: 1000,
  MAX_ROWS: 500,
  SOURCE_MAX_BYTES: 8_000_000,
};
let editor: User;

beforeAll(async () => {
  Object.assign(process.env, Object.fromEntries(Object.entries(LIMITS).map(([k, v]) => [k, String(v)])));
  reloadEnv();
  editor = await makeUser(db, "editor");
  setSessionReaderForTests(async () => ({ userId: editor.id, pv: passwordVersion(editor.passwordHash) }));
});
afterAll(() => setSessionReaderForTests(null));

async function storedBy(userId: string) {
  const [r] = await sql<{ uploads: number; chunks: number }[]>`
    select (select count(*)::int from uploads where created_by = ${userId}) as uploads,
           (select count(*)::int from upload_chunks c join uploads u on u.id = c.upload_id where u.created_by = ${userId}) as chunks`;
  return r;
}

/** A body with no Content-Length: the limit must be enforced while streaming. */
function streamedBody(bytes: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent >= bytes) return c.close();
      const n = Math.min(16_384, bytes - sent);
      sent += n;
      c.enqueue(new TextEncoder().encode("a".repeat(n)));
    },
  });
}

describe("uploads over UPLOAD_MAX_BYTES", () => {
  it("a streamed raw upload is refused with a clear 413 and nothing is stored", async () => {
    const res = await uploadRoute(
      new Request("http://127.0.0.1/api/uploads", {
        method: "POST",
        body: streamedBody(LIMITS.UPLOAD_MAX_BYTES * 3),
        duplex: "half",
        headers: { "x-filename": "big.csv" },
      } as RequestInit),
      { params: Promise.resolve({}) } as never,
    );
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: { code: "upload_too_large", message: expect.stringMatching(/larger than the limit|limit/i) },
    });
    expect(await storedBy(editor.id)).toEqual({ uploads: 0, chunks: 0 });
  });

  it("a multipart form upload one byte over the limit is refused with 413 and nothing is stored", async () => {
    const form = new FormData();
    form.append("file", new Blob([Buffer.alloc(LIMITS.UPLOAD_MAX_BYTES + 1, "b")], { type: "text/csv" }), "big.csv");
    const res = await uploadRoute(new Request("http://127.0.0.1/api/uploads", { method: "POST", body: form }), {
      params: Promise.resolve({}),
    } as never);
    expect(res.status).toBe(413);
    expect((await res.json()).error).toMatchObject({ code: "upload_too_large" });
    expect(await storedBy(editor.id)).toEqual({ uploads: 0, chunks: 0 });
  });
});

describe("file limits are clear run errors that change nothing", () => {
  // Problems of one record are row errors; the rest of the file is imported.
  it("a field over MAX_FIELD_BYTES is a row error naming line and column; that contact is left as it was", async () => {
    const file = path.join(tempDir(), "contacts.csv");
    fs.writeFileSync(file, contactsCsv(100));
    const m = await newManager(db);
    const sync = await syncFromSpec(db, m, {
      kind: "file",
      location: file,
      folderMode: "newest",
      allowPrivateHosts: false,
    });
    expect(await runSync({ syncId: sync.id, trigger: "manual" })).toMatchObject({ status: "succeeded", created: 100 });
    const before = (await exportJson(db, sql, m.id)) as { key: string }[];

    fs.writeFileSync(file, contactsCsv(100, " v2").replace("Person 5 v2", "z".repeat(LIMITS.MAX_FIELD_BYTES + 1)));
    const r = await runSync({ syncId: sync.id, trigger: "manual" });
    expect(r).toMatchObject({ status: "completed_with_errors", updated: 99, deleted: 0 });
    expect(r.errors).toEqual([{ line: 7, column: "First Name", message: "The value is longer than 1,000 bytes." }]);
    const after = (await exportJson(db, sql, m.id)) as { key: string }[];
    expect(after.find((c) => c.key === "person5@example.test")).toEqual(
      before.find((c) => c.key === "person5@example.test"),
    );
  });

  const wide =
    "Email,First Name,Last Name," +
    Array.from({ length: 30 }, (_, i) => `X${i}`).join(",") +
    "\nann@example.test,Ann,Lee" +
    ",x".repeat(30) +
    "\n";
  it.each([
    ["more columns than MAX_COLUMNS", wide, /at most 20 are allowed|columns/],
    ["more rows than MAX_ROWS", contactsCsv(LIMITS.MAX_ROWS + 1, " many"), /more than 500 rows/],
    // A quote never closed would swallow the rest of the file into one field: refused, not buffered forever.
    [
      "a record larger than the tokenizer's cap (unclosed quote)",
      `Email,First Name,Last Name\nann@example.test,"${"q,\n".repeat(1_500_000)}`,
      /record starting on line 2 is longer than 4 MiB/,
    ],
  ])("%s", async (_name, content, reason) => {
    const file = path.join(tempDir(), "contacts.csv");
    fs.writeFileSync(file, contactsCsv(100));
    const m = await newManager(db);
    const sync = await syncFromSpec(db, m, {
      kind: "file",
      location: file,
      folderMode: "newest",
      allowPrivateHosts: false,
    });
    expect(await runSync({ syncId: sync.id, trigger: "manual" })).toMatchObject({ status: "succeeded", created: 100 });
    const digest = await contactsDigest(sql, m.id);
    const exported = await exportJson(db, sql, m.id);

    fs.writeFileSync(file, content);
    const r = await runSync({ syncId: sync.id, trigger: "manual" });
    if (process.env.SHOW_MESSAGES) console.log(r.message);
    expect({ status: r.status, message: r.message }).toEqual({
      status: "failed",
      message: expect.stringMatching(reason),
    });
    expect(r.message).not.toMatch(/internal error/);
    expect(await runRow(sql, r.runId)).toMatchObject({ status: "failed", finished: true });
    expect(await contactsDigest(sql, m.id)).toEqual(digest);
    expect(await exportJson(db, sql, m.id)).toEqual(exported);

    fs.writeFileSync(file, contactsCsv(LIMITS.MAX_ROWS, " ok"));
    expect(await runSync({ syncId: sync.id, trigger: "manual" })).toMatchObject({
      status: "succeeded",
      updated: 100,
      created: LIMITS.MAX_ROWS - 100,
    });
  });
});

describe("a source that sends more than SOURCE_MAX_BYTES", () => {
  const sent = { endless: 0 };
  const HEADER = "Email,First Name,Last Name\n";
  // 64 MiB of blank lines, sent as 64 KiB of gzip: a "zip bomb" for a client that inflates what it gets.
  const bomb = gzipSync(Buffer.concat([Buffer.from(HEADER), Buffer.alloc(64 * 1024 * 1024, 0x0a)]));
  let server: TestHttpServer;
  beforeAll(async () => {
    const blank = Buffer.alloc(64 * 1024, 0x0a);
    server = await startHttpServer({
      root: tempDir(),
      routes: {
        // A header, then blank lines without end and no Content-Length: no row limit ever triggers.
        "/endless.csv": (_req, res) => {
          res.writeHead(200, { "content-type": "text/csv" });
          res.write(HEADER);
          const pump = () => {
            while (!res.destroyed && sent.endless < 256 * 1024 * 1024) {
              sent.endless += blank.length;
              if (!res.write(blank)) return void res.once("drain", pump);
            }
            res.end();
          };
          res.on("close", () => res.destroy());
          pump();
        },
        "/bomb.csv": (_req, res) =>
          res
            .writeHead(200, {
              "content-type": "text/csv",
              "content-encoding": "gzip",
              "content-length": String(bomb.length),
            })
            .end(bomb),
      },
    });
  });
  afterAll(async () => server?.close());

  it.each([
    ["a server that never stops sending", "/endless.csv"],
    ["a gzip body that inflates far beyond the limit", "/bomb.csv"],
  ])("%s is cut off with a clear error, and nothing changes", async (_name, route) => {
    const m = await newManager(db);
    const file = path.join(tempDir(), "contacts.csv");
    fs.writeFileSync(file, contactsCsv(10));
    const seed = await syncFromSpec(db, m, {
      kind: "file",
      location: file,
      folderMode: "newest",
      allowPrivateHosts: false,
    });
    expect(await runSync({ syncId: seed.id, trigger: "manual" })).toMatchObject({ status: "succeeded", created: 10 });
    const digest = await contactsDigest(sql, m.id);

    const sync = await syncFromSpec(
      db,
      m,
      { kind: "http", location: `${server.url}${route}`, folderMode: "newest", allowPrivateHosts: true },
      { deleteMissing: true },
    );
    const r = await runSync({ syncId: sync.id, trigger: "manual" });
    expect({ status: r.status, message: r.message }).toEqual({
      status: "failed",
      message:
        "The file is larger than 7.63 MiB, the most an import reads (SOURCE_MAX_BYTES). Nothing was imported. Split the file, or ask an operator to raise the limit.",
    });
    expect(await contactsDigest(sql, m.id)).toEqual(digest);
    if (route === "/endless.csv") expect(sent.endless).toBeLessThan(64 * 1024 * 1024);
  });
});
