import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSource, testConnection } from "@/lib/sources";
import { startHttpServer, type TestHttpServer } from "@/tests/support/servers/http";
import { CSV, download, readAll, spec, tempRoot, useFastTimeouts } from "@/tests/integration/sources/helpers";

let root: string;
let plain: TestHttpServer;
let secured: TestHttpServer;
let other: TestHttpServer;
const big = { written: 0 };
const BIG = 32 * 1024 * 1024;

beforeAll(async () => {
  useFastTimeouts();
  root = tempRoot({ "data/contacts.csv": CSV });
  other = await startHttpServer({ root });
  plain = await startHttpServer({
    root,
    routes: {
      "/redirect": (_req, res) => res.writeHead(302, { location: "/r2" }).end(),
      "/r2": (_req, res) => res.writeHead(301, { location: "/data/contacts.csv" }).end(),
      "/loop": (_req, res) => res.writeHead(302, { location: "/loop" }).end(),
      "/to-other": (_req, res) => res.writeHead(307, { location: `${other.url}/data/contacts.csv` }).end(),
      "/to-metadata": (_req, res) => res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end(),
      "/to-smtp": (_req, res) => res.writeHead(302, { location: "http://127.0.0.1:25/x.csv" }).end(),
      "/to-file": (_req, res) => res.writeHead(302, { location: "file:///etc/passwd" }).end(),
      "/short": (_req, res) => {
        res.writeHead(200, { "content-length": "1000" });
        res.write("a".repeat(400));
        setTimeout(() => res.socket?.destroy(), 50);
      },
      "/stall": (_req, res) => {
        res.writeHead(200, { "content-length": "1000" });
        res.write("a".repeat(400)); // and never more
      },
      "/drop-chunked": (_req, res) => {
        res.writeHead(200, { "content-type": "text/csv" });
        res.write("Email\n" + "x@example.com\n".repeat(100));
        setTimeout(() => res.socket?.destroy(), 50);
      },
      "/gzipped": (_req, res) => {
        const body = gzipSync(CSV);
        res.writeHead(200, { "content-encoding": "gzip", "content-length": String(body.length) }).end(body);
      },
      "/big": (_req, res) => {
        // 32 MiB, written only as fast as the client takes it.
        res.writeHead(200, { "content-length": String(BIG) });
        const chunk = Buffer.alloc(64 * 1024, 97);
        const pump = () => {
          while (big.written < BIG) {
            big.written += chunk.length;
            if (!res.write(chunk)) return void res.once("drain", pump);
          }
          res.end();
        };
        pump();
      },
    },
  });
  secured = await startHttpServer({ root, tls: true, auth: { user: "alice", password: "s3cret-pw" } });
});

afterAll(async () => {
  await Promise.all([plain?.close(), secured?.close(), other?.close()]);
});

describe("HTTP source", () => {
  it("downloads the file with its fingerprint", async () => {
    const { bytes, opened } = await download(openSource(spec("http", `${plain.url}/data/contacts.csv`)));
    expect(bytes.toString()).toBe(CSV);
    expect(opened.name).toBe("contacts.csv");
    expect(opened.size).toBe(Buffer.byteLength(CSV));
    expect(opened.fingerprint).toMatchObject({ name: "contacts.csv", size: Buffer.byteLength(CSV) });
    expect(opened.fingerprint.etag).toMatch(/^"/);
    expect(opened.fingerprint.lastModified).toMatch(/GMT$/);
  });

  it("sends a conditional GET and reports 304 as unchanged", async () => {
    const { opened } = await download(openSource(spec("http", `${plain.url}/data/contacts.csv`)));
    const before = plain.requests.length;
    const again = await openSource(spec("http", `${plain.url}/data/contacts.csv`), { previous: opened.fingerprint });
    expect(again).toMatchObject({ unchanged: true, name: "contacts.csv", fingerprint: opened.fingerprint });
    const req = plain.requests[before];
    expect(req.headers["if-none-match"]).toBe(opened.fingerprint.etag);
    expect(req.headers["if-modified-since"]).toBe(opened.fingerprint.lastModified);
  });

  it("follows redirects (re-checking each target) and refuses loops", async () => {
    const { bytes, opened } = await download(openSource(spec("http", `${plain.url}/redirect`)));
    expect(bytes.toString()).toBe(CSV);
    expect(opened.name).toBe("contacts.csv");
    await expect(openSource(spec("http", `${plain.url}/loop`))).rejects.toMatchObject({
      code: "protocol_error",
      message: expect.stringMatching(/Too many redirects/),
    });
  });

  it("refuses redirects to metadata addresses, privileged ports and other schemes", async () => {
    await expect(openSource(spec("http", `${plain.url}/to-metadata`))).rejects.toMatchObject({ code: "blocked_host" });
    await expect(openSource(spec("http", `${plain.url}/to-smtp`))).rejects.toMatchObject({
      code: "blocked_host",
      message: expect.stringMatching(/Port 25/),
    });
    await expect(openSource(spec("http", `${plain.url}/to-file`))).rejects.toMatchObject({
      code: "protocol_error",
      message: expect.stringMatching(/file:/),
    });
  });

  it("does not send credentials to another origin after a redirect", async () => {
    const { bytes } = await download(
      openSource(spec("http", `${plain.url}/to-other`, { login: "alice", password: "pw-123" })),
    );
    expect(bytes.toString()).toBe(CSV);
    expect(plain.requests.at(-1)!.headers.authorization).toBeDefined();
    expect(other.requests.at(-1)!.headers.authorization).toBeUndefined();
  });

  it("refuses loopback when private hosts are not allowed, before any request", async () => {
    const before = plain.requests.length;
    await expect(
      openSource(spec("http", `${plain.url}/data/contacts.csv`, { allowPrivateHosts: false })),
    ).rejects.toMatchObject({
      code: "blocked_host",
      message: expect.stringMatching(/127\.0\.0\.1.*loopback/),
    });
    expect(plain.requests.length).toBe(before);
  });

  it("errors a download that ends short of Content-Length as truncated", async () => {
    const r = await openSource(spec("http", `${plain.url}/short`));
    if (r.unchanged) throw new Error("unexpected");
    await expect(readAll(r.source.stream)).rejects.toMatchObject({
      code: "truncated",
      message: expect.stringMatching(/400 of 1000 bytes/),
    });
  });

  it("errors a stalled download", async () => {
    const r = await openSource(spec("http", `${plain.url}/stall`));
    if (r.unchanged) throw new Error("unexpected");
    await expect(readAll(r.source.stream)).rejects.toMatchObject({ code: "timeout" });
  });

  it("errors when the server drops the connection mid-transfer (no length announced)", async () => {
    const r = await openSource(spec("http", `${plain.url}/drop-chunked`));
    if (r.unchanged) throw new Error("unexpected");
    await expect(readAll(r.source.stream)).rejects.toMatchObject({ code: "connect_failed" });
  });

  it("decodes a gzip-encoded body the server sent anyway", async () => {
    const { bytes, opened } = await download(openSource(spec("http", `${plain.url}/gzipped`)));
    expect(bytes.toString()).toBe(CSV);
    expect(opened.size).toBeUndefined();
  });

  it("reports 404 as not_found", async () => {
    await expect(openSource(spec("http", `${plain.url}/nope.csv`))).rejects.toMatchObject({ code: "not_found" });
  });

  it("propagates backpressure: an unread download does not buffer the whole file", async () => {
    big.written = 0;
    const r = await openSource(spec("http", `${plain.url}/big`));
    if (r.unchanged) throw new Error("unexpected");
    await new Promise((res) => setTimeout(res, 400));
    expect(big.written).toBeLessThan(16 * 1024 * 1024);
    let total = 0;
    for await (const c of r.source.stream) total += (c as Buffer).length;
    expect(total).toBe(BIG);
    await r.source.close();
  });

  it("aborts on the caller's signal", async () => {
    const ac = new AbortController();
    const r = await openSource(spec("http", `${plain.url}/stall`), { signal: ac.signal });
    if (r.unchanged) throw new Error("unexpected");
    setTimeout(() => ac.abort(), 50);
    await expect(readAll(r.source.stream)).rejects.toMatchObject({ code: "aborted" });
  });
});

describe("HTTPS source", () => {
  const url = () => `${secured.url}/data/contacts.csv`;
  const creds = { login: "alice", password: "s3cret-pw" };

  it("refuses an untrusted certificate before sending credentials, naming its fingerprint", async () => {
    const before = secured.requests.length;
    const err = await openSource(spec("https", url(), creds)).catch((e) => e);
    expect(err).toMatchObject({ code: "tls_untrusted" });
    expect(err.message).toContain(secured.fingerprint);
    expect(err.message).not.toContain("s3cret-pw");
    expect(secured.requests.length).toBe(before);
  });

  it("accepts the certificate when its fingerprint is pinned, with Basic auth", async () => {
    const { bytes, opened } = await download(
      openSource(spec("https", url(), { ...creds, tlsFingerprint: secured.fingerprint })),
    );
    expect(bytes.toString()).toBe(CSV);
    expect(opened.seenTlsFingerprint).toBe(secured.fingerprint);
  });

  it("accepts a pin written in lower case without colons", async () => {
    const pin = secured.fingerprint!.replace(/:/g, "").toLowerCase();
    const { bytes } = await download(openSource(spec("https", url(), { ...creds, tlsFingerprint: pin })));
    expect(bytes.toString()).toBe(CSV);
  });

  it("fails on a different pinned fingerprint", async () => {
    // Another first byte (a fresh certificate's fingerprint starts with "AA" once in 256 runs).
    const wrong = (secured.fingerprint!.startsWith("AA") ? "BB:" : "AA:") + secured.fingerprint!.slice(3);
    await expect(openSource(spec("https", url(), { ...creds, tlsFingerprint: wrong }))).rejects.toMatchObject({
      code: "tls_fingerprint_mismatch",
    });
  });

  it("reports a wrong password as auth_failed without echoing it", async () => {
    const err = await openSource(
      spec("https", url(), { login: "alice", password: "wrong-pw", tlsFingerprint: secured.fingerprint }),
    ).catch((e) => e);
    expect(err).toMatchObject({ code: "auth_failed" });
    expect(err.message).not.toContain("wrong-pw");
  });

  it("testConnection reports the certificate to pin, never throwing", async () => {
    const untrusted = await testConnection(spec("https", url(), creds));
    expect(untrusted).toMatchObject({ ok: false, tlsFingerprint: secured.fingerprint });
    const pinned = await testConnection(spec("https", url(), { ...creds, tlsFingerprint: secured.fingerprint }));
    expect(pinned).toMatchObject({ ok: true, tlsFingerprint: secured.fingerprint });
    expect(pinned.message).toMatch(/reachable/);
    const blocked = await testConnection(spec("https", url(), { ...creds, allowPrivateHosts: false }));
    expect(blocked).toMatchObject({ ok: false });
    expect(blocked.message).toMatch(/internal address/);
  });
});
