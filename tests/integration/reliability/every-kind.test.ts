import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storeUpload } from "@/lib/sources/upload";
import type { SourceSpec } from "@/lib/sources/types";
import { runSync } from "@/lib/sync/run";
import { makeZip } from "@/tests/support/archives";
import { useDb } from "@/tests/support/db";
import { startEveryKind, type EveryKind } from "@/tests/support/servers/every-kind";
import { exportJson, newManager, syncFromSpec, tempDir } from "@/tests/integration/reliability/helpers";

const { db, sql } = useDb();

// Quotes, commas, a line break inside a field, multi-byte text, CRLF line ends, no final newline.
const rows = Array.from({ length: 3000 }, (_, i) => `p${i}@example.test,"Zoë ""${i}""","Lee, Jr.\r\nsecond line ${i}"`);
const BYTES = Buffer.from("Email,First Name,Last Name\r\n" + rows.join("\r\n"), "utf8");

let root: string;
let every: EveryKind;

beforeAll(async () => {
  root = tempDir();
  fs.mkdirSync(path.join(root, "data"));
  fs.writeFileSync(path.join(root, "data/contacts.csv"), BYTES);
  fs.writeFileSync(path.join(root, "data/contacts.csv.gz"), gzipSync(BYTES));
  fs.writeFileSync(path.join(root, "data/contacts.zip"), await makeZip({ "export/contacts.csv": BYTES }));
  every = await startEveryKind(root);
});
afterAll(async () => {
  await every?.close();
});

describe("every source kind imports the same file to the same contacts", () => {
  it("http, https (pinned), ftp, ftpes, ftps, sftp (password and key), file and upload give identical exports", async () => {
    const remote = every.specs("data/contacts.csv");
    const upload = await storeUpload(db, Readable.from([BYTES]), {
      filename: "contacts.csv",
      maxBytes: 10 * 1024 * 1024,
    });
    const specs: Record<string, SourceSpec> = {
      ...remote,
      file: {
        kind: "file",
        location: path.join(root, "data/contacts.csv"),
        folderMode: "newest",
        allowPrivateHosts: false,
      },
      upload: { kind: "upload", uploadId: upload.id, folderMode: "newest", allowPrivateHosts: false },
    };
    expect(Object.keys(specs).sort()).toEqual([
      "file",
      "ftp",
      "ftpes",
      "ftps",
      "http",
      "https",
      "sftp",
      "sftp-key",
      "upload",
    ]);

    const exports: Record<string, unknown[]> = {};
    for (const [kind, spec] of Object.entries(specs)) {
      const m = await newManager(db);
      const s = await syncFromSpec(db, m, spec);
      const r = await runSync({ syncId: s.id, trigger: kind === "upload" ? "upload" : "manual" });
      expect({ kind, status: r.status, created: r.created, message: r.message }).toMatchObject({
        kind,
        status: "succeeded",
        created: 3000,
      });
      exports[kind] = await exportJson(db, sql, m.id);
    }
    const reference = exports.file;
    expect(reference).toHaveLength(3000);
    expect(reference).toContainEqual({
      key: "p7@example.test",
      fields: { Email: "p7@example.test", "First Name": 'Zoë "7"', "Last Name": "Lee, Jr.\r\nsecond line 7" },
    });
    for (const [kind, exported] of Object.entries(exports))
      expect({ kind, exported }).toEqual({ kind, exported: reference });
  });

  it("a .csv.gz and a one-member ZIP import the same contacts through every kind and as uploads", async () => {
    const m0 = await newManager(db);
    const plain = await syncFromSpec(db, m0, {
      kind: "file",
      location: path.join(root, "data/contacts.csv"),
      folderMode: "newest",
      allowPrivateHosts: false,
    });
    expect(await runSync({ syncId: plain.id, trigger: "manual" })).toMatchObject({ created: 3000 });
    const reference = await exportJson(db, sql, m0.id);
    for (const archive of ["contacts.csv.gz", "contacts.zip"]) {
      const bytes = fs.readFileSync(path.join(root, "data", archive));
      const upload = await storeUpload(db, Readable.from([bytes]), { filename: archive, maxBytes: 10 << 20 });
      const specs: Record<string, SourceSpec> = {
        ...every.specs(`data/${archive}`),
        file: {
          kind: "file",
          location: path.join(root, "data", archive),
          folderMode: "newest",
          allowPrivateHosts: false,
        },
        upload: { kind: "upload", uploadId: upload.id, folderMode: "newest", allowPrivateHosts: false },
      };
      for (const [kind, spec] of Object.entries(specs)) {
        const m = await newManager(db);
        const s = await syncFromSpec(db, m, spec);
        const r = await runSync({ syncId: s.id, trigger: kind === "upload" ? "upload" : "manual" });
        expect({ archive, kind, status: r.status, created: r.created, message: r.message }).toMatchObject({
          archive,
          kind,
          status: "succeeded",
          created: 3000,
        });
        expect({ archive, kind, exported: await exportJson(db, sql, m.id) }).toEqual({
          archive,
          kind,
          exported: reference,
        });
      }
    }
  });
});
