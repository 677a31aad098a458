import { createHash } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSource, testConnection } from "@/lib/sources";
import { startEveryKind, type EveryKind } from "@/tests/support/servers/every-kind";
import { download, spec, tempRoot } from "@/tests/integration/sources/helpers";

// Multi-byte characters, CRLF, quotes, a line break inside a field, no final newline; big enough for many chunks.
const rows = Array.from(
  { length: 6000 },
  (_, i) => `c${i}@example.com;Zoë ${i};"Ünïcødé ""${i}""\r\nsecond line";日本語`,
);
const BYTES = Buffer.from("Email;First Name;Note;Other\r\n" + rows.join("\r\n"), "utf8");
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

let root: string;
let every: EveryKind;

beforeAll(async () => {
  root = tempRoot({ "same/contacts file.csv": BYTES });
  every = await startEveryKind(root);
});
afterAll(async () => {
  await every?.close();
});

describe("the same file through every source kind", () => {
  it("yields identical bytes from file, http, https, ftp, ftpes, ftps, sftp (password and key)", async () => {
    const specs = {
      ...every.specs("same/contacts file.csv"),
      file: spec("file", path.join(root, "same/contacts file.csv")),
    };
    for (const [kind, s] of Object.entries(specs)) {
      const { bytes, opened } = await download(openSource(s));
      expect({ kind, sha: sha(bytes), name: opened.name }).toEqual({
        kind,
        sha: sha(BYTES),
        name: "contacts file.csv",
      });
      expect(opened.size).toBe(BYTES.length);
    }
  });

  it("every remote kind passes testConnection", async () => {
    for (const [kind, s] of Object.entries(every.specs("same/*.csv"))) {
      const check = await testConnection(
        kind.startsWith("http") ? every.specs("same/contacts file.csv")[kind as "http"] : s,
      );
      expect({ kind, ok: check.ok, message: check.message }).toMatchObject({ kind, ok: true });
    }
  });
});
