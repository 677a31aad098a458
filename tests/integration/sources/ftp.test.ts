import { Readable, Transform } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listFiles, openSource, testConnection } from "@/lib/sources";
import { startFtpServer, type TestFtpServer } from "@/tests/support/servers/ftp";
import { CSV, download, readAll, spec, tempRoot, touch, useFastTimeouts } from "@/tests/integration/sources/helpers";

const user = "ftpuser";
const password = "ftp-pa55";
let root: string;
let plain: TestFtpServer;
let explicit: TestFtpServer;
let implicit: TestFtpServer;

/** Sends only the first `n` bytes, then ends normally (the server still reports success). */
const cut = (n: number) => (data: Readable) => {
  let sent = 0;
  return data.pipe(
    new Transform({
      transform(chunk: Buffer, _e, cb) {
        const room = Math.max(0, n - sent);
        sent += chunk.length;
        cb(null, chunk.subarray(0, room));
      },
    }),
  );
};
/** Sends the first `n` bytes, then nothing more, keeping the connection open. */
const stall = (n: number) => (data: Readable) => {
  const out = new Readable({ read() {} });
  data.once("data", (c: Buffer) => out.push(c.subarray(0, n)));
  return out;
};

/** Sends the first `n` bytes, then fails the read (the server aborts the data connection). */
const explode = (n: number) => (data: Readable) => {
  const out = new Readable({ read() {} });
  data.once("data", (c: Buffer) => {
    out.push(c.subarray(0, n));
    setTimeout(() => out.destroy(new Error("disk on fire")), 50);
  });
  return out;
};

beforeAll(async () => {
  useFastTimeouts();
  root = tempRoot({
    "data/contacts.csv": CSV,
    "drop/a-2024.csv": "Email\nold@example.com\n",
    "drop/b-2025.csv": "Email\nnew@example.com\n",
    "drop/c-2023.csv": "Email\noldest@example.com\n",
    "drop/readme.txt": "not a csv",
    "bad/short.csv": CSV,
    "bad/stall.csv": CSV,
    "bad/drop.csv": CSV,
  });
  touch(root, "drop/c-2023.csv", 1_700_000_000);
  touch(root, "drop/a-2024.csv", 1_710_000_000);
  touch(root, "drop/b-2025.csv", 1_720_000_000);
  touch(root, "drop/readme.txt", 1_730_000_000);
  const transformRead = (p: string, data: Readable) =>
    p.endsWith("short.csv")
      ? cut(20)(data)
      : p.endsWith("stall.csv")
        ? stall(20)(data)
        : p.endsWith("drop.csv")
          ? explode(20)(data)
          : data;
  [plain, explicit, implicit] = await Promise.all([
    startFtpServer({ root, user, password, transformRead }),
    startFtpServer({ root, user, password, tls: "explicit" }),
    startFtpServer({ root, user, password, tls: "implicit" }),
  ]);
});

afterAll(async () => {
  await Promise.all([plain?.close(), explicit?.close(), implicit?.close()]);
});

const creds = { login: user, password };

describe("FTP source", () => {
  it("downloads a file with size and modification time as fingerprint", async () => {
    touch(root, "data/contacts.csv", 1_700_000_123);
    const { bytes, opened } = await download(openSource(spec("ftp", `${plain.url}/data/contacts.csv`, creds)));
    expect(bytes.toString()).toBe(CSV);
    expect(opened.fingerprint).toEqual({
      name: "contacts.csv",
      size: Buffer.byteLength(CSV),
      mtime: new Date(1_700_000_123_000).toISOString(),
    });
  });

  it("reports unchanged without downloading when name, size and mtime match", async () => {
    const { opened } = await download(openSource(spec("ftp", `${plain.url}/data/contacts.csv`, creds)));
    const reads = plain.reads.length;
    const again = await openSource(spec("ftp", `${plain.url}/data/contacts.csv`, creds), {
      previous: opened.fingerprint,
    });
    expect(again).toMatchObject({ unchanged: true, name: "contacts.csv" });
    expect(plain.reads.length).toBe(reads);
  });

  it("lists wildcard matches oldest first (MDTM fallback: the server has no MLSD) and opens the newest", async () => {
    const files = await listFiles(spec("ftp", `${plain.url}/drop/*.csv`, creds));
    expect(files.map((f) => f.name)).toEqual(["c-2023.csv", "a-2024.csv", "b-2025.csv"]);
    expect(files[0]).toMatchObject({
      path: "/drop/c-2023.csv",
      size: 25,
      mtime: new Date(1_700_000_000_000).toISOString(),
    });
    const { bytes, opened } = await download(openSource(spec("ftp", `${plain.url}/drop/*.csv`, creds)));
    expect(opened.name).toBe("b-2025.csv");
    expect(bytes.toString()).toBe("Email\nnew@example.com\n");
  });

  it("opens a given file of the folder (every-new mode) and refuses one outside it", async () => {
    const s = spec("ftp", `${plain.url}/drop/?-202[0-9].csv`, { ...creds, folderMode: "every_new" });
    const [oldest] = await listFiles(s);
    const { bytes } = await download(openSource(s, { file: oldest }));
    expect(bytes.toString()).toBe("Email\noldest@example.com\n");
    await expect(
      openSource(s, { file: { ...oldest, name: "readme.txt", path: "/drop/readme.txt" } }),
    ).rejects.toMatchObject({ code: "bad_location" });
  });

  it("says clearly when nothing matches or the file is missing", async () => {
    await expect(openSource(spec("ftp", `${plain.url}/drop/*.xlsx`, creds))).rejects.toMatchObject({
      code: "not_found",
      message: expect.stringMatching(/No file in \/drop .* matches "\*\.xlsx"/),
    });
    await expect(openSource(spec("ftp", `${plain.url}/data/missing.csv`, creds))).rejects.toMatchObject({
      code: "not_found",
      message: expect.stringMatching(/missing\.csv/),
    });
  });

  it("reports a wrong password as auth_failed without echoing it", async () => {
    const err = await openSource(
      spec("ftp", `${plain.url}/data/contacts.csv`, { login: user, password: "nope-nope" }),
    ).catch((e) => e);
    expect(err).toMatchObject({ code: "auth_failed" });
    expect(err.message).not.toContain("nope-nope");
  });

  it("errors a transfer shorter than the listed size as truncated", async () => {
    const r = await openSource(spec("ftp", `${plain.url}/bad/short.csv`, creds));
    if (r.unchanged) throw new Error("unexpected");
    await expect(readAll(r.source.stream)).rejects.toMatchObject({ code: "truncated" });
  });

  it("errors a transfer the server aborts mid-way", async () => {
    const r = await openSource(spec("ftp", `${plain.url}/bad/drop.csv`, creds));
    if (r.unchanged) throw new Error("unexpected");
    const err = await readAll(r.source.stream).catch((e) => e);
    expect(err.code).toBe("truncated");
    expect(err.message).toMatch(/connection ended after \d+ of \d+ bytes/);
    expect(err.message).toMatch(/bad\/drop\.csv/);
  });

  it("errors a stalled transfer", async () => {
    const r = await openSource(spec("ftp", `${plain.url}/bad/stall.csv`, creds));
    if (r.unchanged) throw new Error("unexpected");
    await expect(readAll(r.source.stream)).rejects.toMatchObject({ code: "timeout" });
  });

  it("refuses loopback without the private-hosts setting", async () => {
    const logins = plain.logins.length;
    await expect(
      openSource(spec("ftp", `${plain.url}/data/contacts.csv`, { ...creds, allowPrivateHosts: false })),
    ).rejects.toMatchObject({ code: "blocked_host" });
    expect(plain.logins.length).toBe(logins);
  });
});

describe("a minimal FTP server (no SIZE, no MDTM, no MLSD)", () => {
  it("still downloads a named file, taking its size from the listing", async () => {
    const bare = await startFtpServer({ root, user, password, blacklist: ["SIZE", "MDTM"] });
    try {
      const { bytes, opened } = await download(openSource(spec("ftp", `${bare.url}/data/contacts.csv`, creds)));
      expect(bytes.toString()).toBe(CSV);
      expect(opened.fingerprint).toEqual({ name: "contacts.csv", size: Buffer.byteLength(CSV) });
      await expect(openSource(spec("ftp", `${bare.url}/drop/*.csv`, creds))).rejects.toMatchObject({
        code: "protocol_error",
        message: expect.stringMatching(/does not report modification times/),
      });
    } finally {
      await bare.close();
    }
  });
});

describe("FTPS (explicit AUTH TLS) and FTPS (implicit)", () => {
  it.each([
    ["explicit", () => explicit],
    ["implicit", () => implicit],
  ] as const)("%s: refuses the untrusted certificate before logging in", async (_n, server) => {
    const s = server();
    const kind = s.url.startsWith("ftps") ? "ftps" : "ftpes";
    const logins = s.logins.length;
    const err = await openSource(spec(kind, `${s.url}/data/contacts.csv`, creds)).catch((e) => e);
    expect(err).toMatchObject({ code: "tls_untrusted" });
    expect(err.message).toContain(s.fingerprint);
    expect(s.logins.length).toBe(logins);
  });

  it.each([
    ["explicit", () => explicit],
    ["implicit", () => implicit],
  ] as const)("%s: downloads over TLS with a pinned certificate", async (_n, server) => {
    const s = server();
    const kind = s.url.startsWith("ftps") ? "ftps" : "ftpes";
    const { bytes, opened } = await download(
      openSource(spec(kind, `${s.url}/data/contacts.csv`, { ...creds, tlsFingerprint: s.fingerprint })),
    );
    expect(bytes.toString()).toBe(CSV);
    expect(opened.seenTlsFingerprint).toBe(s.fingerprint);
  });

  it("fails on a pinned fingerprint that differs", async () => {
    const wrong = "00:" + explicit.fingerprint!.slice(3);
    await expect(
      openSource(spec("ftpes", `${explicit.url}/data/contacts.csv`, { ...creds, tlsFingerprint: wrong })),
    ).rejects.toMatchObject({ code: "tls_fingerprint_mismatch" });
  });

  it("explains when the server offers no explicit TLS", async () => {
    const url = plain.url.replace(/^ftp:/, "ftpes:");
    await expect(openSource(spec("ftpes", `${url}/data/contacts.csv`, creds))).rejects.toMatchObject({
      code: "protocol_error",
      message: expect.stringMatching(/does not offer explicit TLS/),
    });
  });

  it("lists over TLS and testConnection reports files and fingerprint", async () => {
    const check = await testConnection(
      spec("ftps", `${implicit.url}/drop/*.csv`, { ...creds, tlsFingerprint: implicit.fingerprint }),
    );
    expect(check).toMatchObject({ ok: true, tlsFingerprint: implicit.fingerprint });
    expect(check.files?.map((f) => f.name)).toEqual(["c-2023.csv", "a-2024.csv", "b-2025.csv"]);
    const bad = await testConnection(
      spec("ftps", `${implicit.url}/drop/*.csv`, {
        login: user,
        password: "wrong",
        tlsFingerprint: implicit.fingerprint,
      }),
    );
    expect(bad).toMatchObject({ ok: false });
    expect(bad.message).toMatch(/refused the login/);
  });
});
