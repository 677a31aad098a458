import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export type TestCert = { cert: string; key: string; fingerprint256: string };

let cached: TestCert | undefined;

/**
 * A self-signed certificate for localhost / 127.0.0.1, generated once per test process with the openssl CLI
 * (no key material is committed). It is untrusted by design: tests pin its fingerprint.
 */
export function selfSignedCert(): TestCert {
  if (cached) return cached;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cs-cert-"));
  const keyFile = path.join(dir, "key.pem");
  const certFile = path.join(dir, "cert.pem");
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", keyFile, "-out", certFile, "-days", "2", "-subj", "/CN=localhost",
    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
  ], { stdio: "ignore" });
  const cert = fs.readFileSync(certFile, "utf8");
  const key = fs.readFileSync(keyFile, "utf8");
  fs.rmSync(dir, { recursive: true, force: true });
  cached = { cert, key, fingerprint256: new X509Certificate(cert).fingerprint256 };
  return cached;
}
