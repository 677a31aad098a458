import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reloadEnv } from "@/lib/env";
import { applyAfterImport, listFiles, openSource, testConnection } from "@/lib/sources";
import type { SourceSpec } from "@/lib/sources/types";
import { makeZip, markEncrypted } from "@/tests/support/archives";
import { startEveryKind, type EveryKind } from "@/tests/support/servers/every-kind";
import { startFtpServer, type TestFtpServer } from "@/tests/support/servers/ftp";
import { startSftpServer, type TestSftpServer } from "@/tests/support/servers/sftp";
import { CSV, download, spec, tempRoot, touch } from "@/tests/integration/sources/helpers";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const GZ = gzipSync(Buffer.from(CSV));
const LONG_AGO = Math.floor(Date.now() / 1000) - 3600;

let root: string;
let every: EveryKind;
let zip: Buffer;

beforeAll(async () => {
  zip = await makeZip({ "export/contacts.csv": CSV });
  root = tempRoot({
    "a/contacts.csv.gz": GZ,
    "a/contacts-no-extension": GZ,
    "a/contacts.zip": zip,
    "a/two.zip": await makeZip({ "people.csv": CSV, "readme.txt": "hello" }),
    "a/locked.zip": markEncrypted(await makeZip({ "people.csv": CSV })),
    "a/broken.zip": zip.subarray(0, zip.length - 30),
    "a/broken.csv.gz": GZ.subarray(0, GZ.length - 12),
  });
  every = await startEveryKind(root);
});
afterAll(async () => {
  await every?.close();
});

function allKinds(rel: string, extra: Partial<SourceSpec> = {}): [string, SourceSpec][] {
  return [...Object.entries(every.specs(rel, extra)), ["file", spec("file", path.join(root, rel), extra)]];
}

describe("compressed files over every source kind", () => {
  it("gzip (by its magic bytes, whatever the name) is decompressed; the fingerprint is the archive's", async () => {
    for (const rel of ["a/contacts.csv.gz", "a/contacts-no-extension"])
      for (const [kind, s] of allKinds(rel)) {
        const { bytes, opened } = await download(openSource(s));
        expect({ kind, text: bytes.toString() }).toEqual({ kind, text: CSV });
        expect(opened.compressed?.format).toBe("gzip");
        expect(opened.compressed?.sha256()).toBe(sha(GZ));
      }
  });

  it("a ZIP with one member is read from that member", async () => {
    for (const [kind, s] of allKinds("a/contacts.zip")) {
      const { bytes, opened } = await download(openSource(s));
      expect({ kind, text: bytes.toString() }).toEqual({ kind, text: CSV });
      expect(opened.compressed).toMatchObject({ format: "zip", member: "export/contacts.csv" });
      expect(opened.compressed?.sha256()).toBe(sha(zip));
    }
  });

  it("a ZIP with two members asks for the zip member and lists them; the member option picks one", async () => {
    for (const [kind, s] of allKinds("a/two.zip")) {
      await expect(openSource(s), kind).rejects.toThrow(
        /two\.zip holds 2 files: "people\.csv", "readme\.txt"\. Set "zip member"/,
      );
    }
    const ftp = every.specs("a/two.zip", { zipMember: "*.csv" }).ftp;
    expect((await download(openSource(ftp))).bytes.toString()).toBe(CSV);
    const sftp = every.specs("a/two.zip", { zipMember: "readme.txt" }).sftp;
    expect((await download(openSource(sftp))).bytes.toString()).toBe("hello");
    await expect(openSource(every.specs("a/two.zip", { zipMember: "*.xml" }).http)).rejects.toThrow(
      /no member matching "\*\.xml"\. Its members are: "people\.csv", "readme\.txt"/,
    );
    await expect(openSource(every.specs("a/two.zip", { zipMember: "*" }).http)).rejects.toThrow(
      /"\*" matches 2 members/,
    );
  });

  it("encrypted and broken archives fail clearly", async () => {
    await expect(openSource(every.specs("a/locked.zip").sftp)).rejects.toThrow(
      /"people\.csv" in locked\.zip is encrypted \(password-protected\)/,
    );
    await expect(openSource(every.specs("a/broken.zip").ftp)).rejects.toThrow(
      /The ZIP archive broken\.zip is damaged or incomplete/,
    );
    const r = await openSource(every.specs("a/broken.csv.gz").http);
    if (r.unchanged) throw new Error("expected a download");
    await expect(download(Promise.resolve(r))).rejects.toThrow(
      /The gzip file broken\.csv\.gz is damaged or incomplete/,
    );
  });

  it("a gzip bomb stops at SOURCE_MAX_BYTES with a clear message", async () => {
    const bombRoot = tempRoot({ "bomb.csv.gz": gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x0a)) });
    process.env.SOURCE_MAX_BYTES = String(4 * 1024 * 1024);
    reloadEnv();
    try {
      const r = await openSource(spec("file", path.join(bombRoot, "bomb.csv.gz")));
      if (r.unchanged) throw new Error("expected a download");
      let seen = 0;
      await expect(
        (async () => {
          try {
            for await (const c of r.source.stream) seen += (c as Buffer).length;
          } finally {
            await r.source.close();
          }
        })(),
      ).rejects.toThrow(/Decompressed, the gzip file bomb\.csv\.gz is larger than 4 MiB.*SOURCE_MAX_BYTES/);
      expect(seen).toBeLessThanOrEqual(4 * 1024 * 1024);
    } finally {
      delete process.env.SOURCE_MAX_BYTES;
      reloadEnv();
    }
  });
});

describe("ready markers and settle time (FTP and SFTP)", () => {
  let drop: string;
  let ftp: TestFtpServer;
  let sftp: TestSftpServer;
  const user = "tester";
  const password = "pw-12345";
  const specs = (rel: string, extra: Partial<SourceSpec> = {}) => ({
    ftp: spec("ftp", `${ftp.url}/${rel}`, { login: user, password, ...extra }),
    sftp: spec("sftp", `${sftp.url}/${rel}`, { login: user, password, ...extra }),
  });

  beforeAll(async () => {
    drop = tempRoot({
      "in/old.csv": "Email\nold@example.com\n",
      "in/old.csv.done": "",
      "in/new.csv": "Email\nnew@example.com\n",
    });
    touch(drop, "in/old.csv", LONG_AGO);
    touch(drop, "in/new.csv", LONG_AGO + 60);
    ftp = await startFtpServer({ root: drop, user, password });
    sftp = await startSftpServer({ root: drop, user, password });
  });
  afterAll(async () => {
    await Promise.all([ftp?.close(), sftp?.close()]);
  });

  it("takes only files with a marker, never the markers; the preview says which are ready", async () => {
    for (const [kind, s] of Object.entries(specs("in/*", { readyMarker: ".done" }))) {
      const { bytes, opened } = await download(openSource(s));
      expect({ kind, name: opened.name, text: bytes.toString() }).toEqual({
        kind,
        name: "old.csv",
        text: "Email\nold@example.com\n",
      });
      expect((await listFiles(s)).map((f) => f.name)).toEqual(["old.csv"]);
      const check = await testConnection(s);
      expect(check.files?.map((f) => [f.name, f.ready])).toEqual([
        ["old.csv", true],
        ["new.csv", false],
      ]);
      expect(check.message).toMatch(/1 ready \(with a \.done marker\); the newest ready one is old\.csv/);
      // Without a marker setting the newest file wins, as before.
      expect(
        (await download(openSource({ ...s, location: s.location!.replace("*", "*.csv"), readyMarker: null }))).opened
          .name,
      ).toBe("new.csv");
    }
  });

  it("a single file without its marker is not read (not ready), and a bare suffix gets its dot", async () => {
    for (const s of Object.values(specs("in/new.csv", { readyMarker: "done" }))) {
      const r = await openSource(s);
      expect(r).toMatchObject({ unchanged: true, notReady: expect.stringMatching(/no new\.csv\.done beside it/) });
    }
  });

  it("a file appended to while the run starts is read complete, once it has settled", async () => {
    for (const [kind, s] of Object.entries(specs("in/growing.csv", { settleSeconds: 1 }))) {
      const file = path.join(drop, "in/growing.csv");
      fs.writeFileSync(file, "Email\n");
      let n = 0;
      const writer = setInterval(() => {
        if (n < 8) fs.appendFileSync(file, `g${n++}@example.com\n`);
      }, 150);
      try {
        const { bytes } = await download(openSource(s));
        expect(n, kind).toBe(8);
        expect(bytes.toString().split("\n").filter(Boolean)).toHaveLength(9);
      } finally {
        clearInterval(writer);
      }
    }
  });

  it("a file that keeps changing for 10 × settle fails 'still being written'", async () => {
    const file = path.join(drop, "in/endless.csv");
    fs.writeFileSync(file, "Email\n");
    const writer = setInterval(() => fs.appendFileSync(file, "x@example.com\n"), 100);
    try {
      // Both kinds at once (10 s each); a settle of 1 s keeps a busy machine's timer gaps from looking "settled".
      await Promise.all(
        Object.values(specs("in/endless.csv", { settleSeconds: 1 })).map((s) =>
          expect(openSource(s)).rejects.toThrow(/is still being written: it kept changing for 10 s/),
        ),
      );
    } finally {
      clearInterval(writer);
    }
  });
});

describe("after-import actions (FTP and SFTP)", () => {
  const user = "tester";
  const password = "pw-12345";

  async function withServers(
    files: Record<string, string>,
    fn: (s: { root: string; ftp: SourceSpec; sftp: SourceSpec }) => Promise<void>,
    o: { readOnly?: boolean } = {},
  ) {
    for (const kind of ["ftp", "sftp"] as const) {
      const dir = tempRoot(files);
      const server =
        kind === "ftp"
          ? await startFtpServer({ root: dir, user, password, readOnly: o.readOnly })
          : await startSftpServer({ root: dir, user, password, readOnly: o.readOnly });
      try {
        const s = spec(kind, `${server.url}/drop/in.csv`, { login: user, password, readyMarker: ".ok" });
        await fn({ root: dir, ftp: s, sftp: s });
      } finally {
        await server.close();
      }
    }
  }
  const file = { name: "in.csv", path: "/drop/in.csv", size: 4, mtime: "" };

  it("moves the file (and its marker) into a folder relative to it, creating the folder", async () => {
    await withServers({ "drop/in.csv": "a,b\n", "drop/in.csv.ok": "" }, async ({ root, ftp }) => {
      const done = await applyAfterImport(ftp, file, { action: "move", folder: "done/2026" });
      expect(done).toBe("Moved /drop/in.csv to /drop/done/2026/in.csv.");
      expect(fs.readdirSync(path.join(root, "drop/done/2026")).sort()).toEqual(["in.csv", "in.csv.ok"]);
      expect(fs.existsSync(path.join(root, "drop/in.csv"))).toBe(false);
    });
  });

  it("an absolute folder; a name clash keeps the old file and gives the new one a time suffix", async () => {
    await withServers({ "drop/in.csv": "new\n", "archive/in.csv": "old\n" }, async ({ root, sftp }) => {
      await applyAfterImport(sftp, file, { action: "move", folder: "/archive" });
      const names = fs.readdirSync(path.join(root, "archive")).sort();
      expect(names).toHaveLength(2);
      expect(fs.readFileSync(path.join(root, "archive/in.csv"), "utf8")).toBe("old\n");
      const renamed = names.find((n) => n !== "in.csv")!;
      expect(renamed).toMatch(/^in-\d{8}T\d{6}Z\.csv$/);
      expect(fs.readFileSync(path.join(root, "archive", renamed), "utf8")).toBe("new\n");
    });
  });

  it("deletes the file and its marker", async () => {
    await withServers(
      { "drop/in.csv": "a\n", "drop/in.csv.ok": "", "drop/other.csv": "b\n" },
      async ({ root, ftp }) => {
        expect(await applyAfterImport(ftp, file, { action: "delete" })).toBe("Deleted /drop/in.csv.");
        expect(fs.readdirSync(path.join(root, "drop"))).toEqual(["other.csv"]);
      },
    );
  });

  it("a server that refuses says so (the engine records it as the run's warning)", async () => {
    await withServers(
      { "drop/in.csv": "a\n" },
      async ({ root, ftp }) => {
        await expect(applyAfterImport(ftp, file, { action: "delete" })).rejects.toThrow(/Deleting \/drop\/in\.csv on/);
        await expect(applyAfterImport(ftp, file, { action: "move", folder: "done" })).rejects.toThrow(
          /Creating the folder \/drop\/done on/,
        );
        expect(fs.readdirSync(path.join(root, "drop"))).toEqual(["in.csv"]);
      },
      { readOnly: true },
    );
  });
});
