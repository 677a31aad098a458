import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSource } from "@/lib/sources";
import { caSignedCert, type CaSignedCert } from "@/tests/support/servers/certs";
import { startFtpServer, type TestFtpServer } from "@/tests/support/servers/ftp";
import { startHttpServer, type TestHttpServer } from "@/tests/support/servers/http";
import { CSV, spec, tempRoot } from "@/tests/integration/sources/helpers";

// Certificates trusted through a CA (NODE_EXTRA_CA_CERTS) are accepted without a pin, for the right host name only.
let ca: CaSignedCert;
let web: TestHttpServer;
let ftpes: TestFtpServer;
const run = promisify(execFile);

beforeAll(async () => {
  ca = caSignedCert("DNS:localhost");
  const root = tempRoot({ "data/contacts.csv": CSV });
  web = await startHttpServer({ root, tls: { cert: ca.cert, key: ca.key } });
  ftpes = await startFtpServer({
    root,
    user: "u",
    password: "p",
    tls: "explicit",
    cert: { cert: ca.cert, key: ca.key },
  });
});
afterAll(async () => {
  await Promise.all([web?.close(), ftpes?.close()]);
});

async function probe(specs: object[]) {
  const { stdout } = await run(
    "node_modules/.bin/tsx",
    ["tests/support/servers/probe-source.ts", JSON.stringify(specs)],
    {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.caFile },
      timeout: 110_000,
    },
  );
  return JSON.parse(stdout.trim().split("\n").pop()!) as {
    ok: boolean;
    code?: string;
    message?: string;
    sha256?: string;
  }[];
}

describe("TLS verified against CAs", () => {
  it("accepts a CA-signed certificate for its host name, refuses it for another name, and honours a pin", async () => {
    const sha = createHash("sha256").update(CSV).digest("hex");
    const [byName, byIp, ftpByName, pinnedWrong] = await probe([
      spec("https", `https://localhost:${web.port}/data/contacts.csv`),
      spec("https", `https://127.0.0.1:${web.port}/data/contacts.csv`),
      spec("ftpes", `ftpes://localhost:${ftpes.port}/data/contacts.csv`, { login: "u", password: "p" }),
      spec("https", `https://localhost:${web.port}/data/contacts.csv`, { tlsFingerprint: "AB".repeat(32) }),
    ]);
    expect(byName).toMatchObject({ ok: true, sha256: sha });
    expect(byIp).toMatchObject({ ok: false, code: "tls_untrusted" });
    expect(byIp.message).toMatch(/ALTNAME|not trusted/i);
    expect(ftpByName).toMatchObject({ ok: true, sha256: sha });
    expect(pinnedWrong).toMatchObject({ ok: false, code: "tls_fingerprint_mismatch" });
  }, 120_000);

  it("without the CA (this process) the same certificate is untrusted", async () => {
    await expect(openSource(spec("https", `https://localhost:${web.port}/data/contacts.csv`))).rejects.toMatchObject({
      code: "tls_untrusted",
    });
  });
});
