import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { useDb } from "@/tests/support/db";
import { storeUpload } from "@/lib/sources/upload";
import { executeRun, queueRun, runSync } from "@/lib/sync/run";
import { makeFileSync, makeManager, rewriteCsv, setSync, writeCsv } from "@/tests/integration/engine/helpers";

const { db, sql } = useDb();

/** A digest of every contact of a manager (live and deleted), to prove "exactly as before". */
async function snapshot(managerId: string): Promise<{ n: number; digest: string }> {
  const [r] = await sql<{ n: number; digest: string }[]>`
    select count(*)::int as n, md5(coalesce(string_agg(
      key || '|' || data::text || '|' || coalesce(password_hash, '') || '|' || coalesce(deleted_at::text, '') || '|' || row_hash,
      ',' order by id), '')) as digest
    from contacts where manager_id = ${managerId}`;
  return r;
}

const csv = (n: number, suffix = "") =>
  "Email,First\n" + Array.from({ length: n }, (_, i) => `u${i}@x.com,User ${i}${suffix}\n`).join("");

describe("all or nothing", () => {
  it("a fatal decode error after many rows fails the run and changes nothing", async () => {
    const m = await makeManager(db);
    const file = writeCsv(csv(1000));
    const s = await makeFileSync(db, m, file, { deleteMissing: true, encoding: "utf-8" });
    await runSync({ syncId: s.id, trigger: "manual" });
    const before = await snapshot(m.id);
    rewriteCsv(file, Buffer.concat([Buffer.from(csv(50_000, " changed")), Buffer.from([0x78, 0xff, 0x0a])]));
    const r = await runSync({ syncId: s.id, trigger: "manual" });
    expect(r.status).toBe("failed");
    expect(r.message).toMatch(/not valid UTF-8/);
    expect(await snapshot(m.id)).toEqual(before);
    const [run] =
      await sql`select status, message, finished_at is not null as finished, rows_read::int as rows from runs where id = ${r.runId}`;
    expect(run).toMatchObject({ status: "failed", finished: true });
    expect(run.rows).toBeGreaterThan(1000);
  });

  it("a source that breaks mid-stream (truncated upload) fails the run and changes nothing", async () => {
    const m = await makeManager(db);
    const big = csv(60_000, " padding padding padding"); // > 2 MiB: three chunks
    const upload = await storeUpload(db, Readable.from([Buffer.from(big)]), {
      filename: "big.csv",
      maxBytes: 10 * 1024 * 1024,
    });
    expect(upload.size).toBe(Buffer.byteLength(big));
    const s = await makeFileSync(db, m, "unused", { sourceKind: "upload", location: null, uploadId: upload.id });
    const file = writeCsv(csv(100));
    await setSync(db, s.id, { sourceKind: "file", location: file });
    await runSync({ syncId: s.id, trigger: "manual" });
    const before = await snapshot(m.id);
    await setSync(db, s.id, { sourceKind: "upload", location: null, uploadId: upload.id });
    await sql`delete from upload_chunks where upload_id = ${upload.id} and seq = 2`;
    const r = await runSync({ syncId: s.id, trigger: "upload" });
    expect(r).toMatchObject({ status: "failed", message: expect.stringMatching(/incomplete/) });
    expect(await snapshot(m.id)).toEqual(before);
  });

  it("a database connection killed during apply leaves contacts exactly as before", async () => {
    const m = await makeManager(db);
    const file = writeCsv(csv(60_000));
    const s = await makeFileSync(db, m, file, { deleteMissing: true });
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({ created: 60_000 });
    const before = await snapshot(m.id);
    rewriteCsv(file, csv(70_000, " v2"));
    const runId = await queueRun({ syncId: s.id, trigger: "manual" });

    let killed = 0;
    let stop = false;
    const killer = (async () => {
      while (!stop && killed === 0) {
        const victims = await sql<{ pid: number }[]>`
          select pid from pg_stat_activity
          where application_name = ${"contact-sync run " + runId} and state = 'active'
            and ltrim(query, E' \n\t') ilike any (array['insert into contact_versions%', 'with created as%', 'update contacts%'])`;
        for (const v of victims) {
          await sql`select pg_terminate_backend(${v.pid})`;
          killed++;
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const r = await executeRun(runId);
    stop = true;
    await killer;
    expect(killed).toBeGreaterThan(0);
    expect(r.status).toBe("failed");
    expect(r.message).toMatch(/connection was lost/);
    expect(await snapshot(m.id)).toEqual(before);
    // The sync is usable again afterwards.
    expect(await runSync({ syncId: s.id, trigger: "manual" })).toMatchObject({
      status: "succeeded",
      updated: 60_000,
      created: 10_000,
    });
  });
});

describe("uploads", () => {
  it("streams an upload into 1 MiB chunks with its SHA-256 and reads it back identically", async () => {
    const content = Buffer.from("Email,First\n" + "ä".repeat(1_500_000) + "\n");
    const pieces = [content.subarray(0, 7), content.subarray(7, 1_048_580), content.subarray(1_048_580)];
    const up = await storeUpload(db, Readable.from(pieces), {
      filename: "../evil/name.csv",
      maxBytes: 10 * 1024 * 1024,
    });
    expect(up.filename).toBe(".._evil_name.csv");
    const chunks = await sql<
      { seq: number; len: number }[]
    >`select seq, length(data) as len from upload_chunks where upload_id = ${up.id} order by seq`;
    expect(chunks.map((c) => c.len)).toEqual([1048576, 1048576, content.length - 2 * 1048576]);
    const { openUploadSource } = await import("@/lib/sources/upload");
    const opened = await openUploadSource(
      { kind: "upload", uploadId: up.id, folderMode: "newest", allowPrivateHosts: false },
      {},
    );
    if (opened.unchanged) throw new Error("unexpected");
    const back: Buffer[] = [];
    for await (const b of opened.source.stream) back.push(b as Buffer);
    expect(Buffer.concat(back).equals(content)).toBe(true);
    expect(opened.source.fingerprint).toMatchObject({
      sha256: up.sha256,
      size: content.length,
      name: ".._evil_name.csv",
    });
    const again = await openUploadSource(
      { kind: "upload", uploadId: up.id, folderMode: "newest", allowPrivateHosts: false },
      { previous: opened.source.fingerprint },
    );
    expect(again.unchanged).toBe(true);
  });

  it("refuses an upload over the limit with 413 and keeps nothing of it", async () => {
    const [{ n: before }] = await sql`select count(*)::int as n from uploads`;
    const err = await storeUpload(db, Readable.from([Buffer.alloc(600_000), Buffer.alloc(600_000)]), {
      filename: "x.csv",
      maxBytes: 1_000_000,
    }).catch((e) => e);
    expect(err).toMatchObject({ code: "upload_too_large", status: 413 });
    const [{ n: after }] = await sql`select count(*)::int as n from uploads`;
    expect(after).toBe(before);
  });
});
