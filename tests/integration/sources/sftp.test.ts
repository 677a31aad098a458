import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listFiles, openSource, testConnection } from "@/lib/sources";
import { makeClientKey, startSftpServer, type TestSftpServer } from "@/tests/support/servers/sftp";
import { CSV, download, readAll, spec, tempRoot, touch, useFastTimeouts } from "@/tests/integration/sources/helpers";

const user = "sftpuser";
const password = "sftp-pa55";
const key = makeClientKey("key-passphrase");
const big = Buffer.alloc(512 * 1024, "x");
let root: string;
let server: TestSftpServer;
let dropping: TestSftpServer;
let stalling: TestSftpServer;

beforeAll(async () => {
  useFastTimeouts();
  root = tempRoot({
    "data/contacts.csv": CSV,
    "in/export-1.csv": "Email\none@example.com\n",
    "in/export-2.csv": "Email\ntwo@example.com\n",
    "in/export-3.txt": "ignored",
    "big/file.csv": big,
  });
  touch(root, "in/export-1.csv", 1_720_000_000);
  touch(root, "in/export-2.csv", 1_710_000_000);
  [server, dropping, stalling] = await Promise.all([
    startSftpServer({ root, user, password, publicKey: key.publicKey }),
    startSftpServer({ root, user, password, dropAtOffset: 128 * 1024 }),
    startSftpServer({ root, user, password, stallAtOffset: 128 * 1024 }),
  ]);
});

afterAll(async () => {
  await Promise.all([server?.close(), dropping?.close(), stalling?.close()]);
});

describe("SFTP source", () => {
  it("downloads with a password and reports the host key to pin", async () => {
    const { bytes, opened } = await download(
      openSource(spec("sftp", `${server.url}/data/contacts.csv`, { login: user, password })),
    );
    expect(bytes.toString()).toBe(CSV);
    expect(opened.seenHostKey).toBe(server.hostKeyFingerprint);
    expect(opened.seenHostKey).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(opened.fingerprint).toMatchObject({ name: "contacts.csv", size: Buffer.byteLength(CSV) });
  });

  it("authenticates with an encrypted private key", async () => {
    const { bytes } = await download(
      openSource(
        spec("sftp", `${server.url}/data/contacts.csv`, {
          login: user,
          privateKey: key.privateKey,
          passphrase: "key-passphrase",
        }),
      ),
    );
    expect(bytes.toString()).toBe(CSV);
  });

  it("explains a wrong passphrase and a wrong password", async () => {
    await expect(
      openSource(
        spec("sftp", `${server.url}/data/contacts.csv`, {
          login: user,
          privateKey: key.privateKey,
          passphrase: "nope",
        }),
      ),
    ).rejects.toMatchObject({ code: "auth_failed", message: expect.stringMatching(/private key/) });
    const err = await openSource(
      spec("sftp", `${server.url}/data/contacts.csv`, { login: user, password: "bad-password" }),
    ).catch((e) => e);
    expect(err).toMatchObject({ code: "auth_failed" });
    expect(err.message).not.toContain("bad-password");
  });

  it("accepts the pinned host key and refuses another one before sending the password", async () => {
    const ok = await download(
      openSource(
        spec("sftp", `${server.url}/data/contacts.csv`, {
          login: user,
          password,
          hostKeyFingerprint: server.hostKeyFingerprint,
        }),
      ),
    );
    expect(ok.bytes.toString()).toBe(CSV);
    const attempts = server.authAttempts.length;
    const err = await openSource(
      spec("sftp", `${server.url}/data/contacts.csv`, {
        login: user,
        password,
        hostKeyFingerprint: dropping.hostKeyFingerprint,
      }),
    ).catch((e) => e);
    expect(err).toMatchObject({ code: "host_key_mismatch" });
    expect(err.message).toContain(server.hostKeyFingerprint);
    expect(server.authAttempts.length).toBe(attempts);
  });

  it("lists wildcard matches oldest first and opens the newest; skips an unchanged file", async () => {
    const s = spec("sftp", `${server.url}/in/export-*.csv`, { login: user, password });
    const files = await listFiles(s);
    expect(files.map((f) => f.name)).toEqual(["export-2.csv", "export-1.csv"]);
    expect(files[1]).toMatchObject({ path: "/in/export-1.csv", mtime: new Date(1_720_000_000_000).toISOString() });
    const { bytes, opened } = await download(openSource(s));
    expect(bytes.toString()).toBe("Email\none@example.com\n");
    expect(await openSource(s, { previous: opened.fingerprint })).toMatchObject({
      unchanged: true,
      name: "export-1.csv",
    });
  });

  it("reports a missing file as not_found", async () => {
    await expect(
      openSource(spec("sftp", `${server.url}/data/none.csv`, { login: user, password })),
    ).rejects.toMatchObject({ code: "not_found" });
    await expect(
      openSource(spec("sftp", `${server.url}/nowhere/*.csv`, { login: user, password })),
    ).rejects.toMatchObject({ code: "not_found" });
  });

  it("errors when the server drops the connection mid-transfer", async () => {
    const r = await openSource(spec("sftp", `${dropping.url}/big/file.csv`, { login: user, password }));
    if (r.unchanged) throw new Error("unexpected");
    const err = await readAll(r.source.stream).catch((e) => e);
    expect(err.code).toBe("truncated");
    expect(err.message).toMatch(/connection ended after \d+ of \d+ bytes/);
  });

  it("errors a stalled transfer", async () => {
    const r = await openSource(spec("sftp", `${stalling.url}/big/file.csv`, { login: user, password }));
    if (r.unchanged) throw new Error("unexpected");
    await expect(readAll(r.source.stream)).rejects.toMatchObject({ code: "timeout" });
    await r.source.close();
  });

  it("testConnection shows the host key, also on a mismatch", async () => {
    const ok = await testConnection(spec("sftp", `${server.url}/in/*.csv`, { login: user, password }));
    expect(ok).toMatchObject({ ok: true, hostKeyFingerprint: server.hostKeyFingerprint });
    expect(ok.files).toHaveLength(2);
    const bad = await testConnection(
      spec("sftp", `${server.url}/in/*.csv`, {
        login: user,
        password,
        hostKeyFingerprint: dropping.hostKeyFingerprint,
      }),
    );
    expect(bad).toMatchObject({ ok: false, hostKeyFingerprint: server.hostKeyFingerprint });
  });
});
