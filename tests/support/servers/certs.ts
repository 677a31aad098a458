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
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "2",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
    ],
    { stdio: "ignore" },
  );
  const cert = fs.readFileSync(certFile, "utf8");
  const key = fs.readFileSync(keyFile, "utf8");
  fs.rmSync(dir, { recursive: true, force: true });
  cached = { cert, key, fingerprint256: new X509Certificate(cert).fingerprint256 };
  return cached;
}

export type CaSignedCert = TestCert & { caCert: string; caFile: string };

/**
 * A throw-away CA and a server certificate it signed for the given names (e.g. DNS:localhost). Give `caFile` to
 * a child process as NODE_EXTRA_CA_CERTS to test the "trusted by a CA" path (Node reads it only at start-up).
 */
export function caSignedCert(subjectAltName = "DNS:localhost"): CaSignedCert {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cs-ca-"));
  const f = (n: string) => path.join(dir, n);
  const run = (args: string[]) => execFileSync("openssl", args, { stdio: "ignore", cwd: dir });
  run([
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    f("ca.key"),
    "-out",
    f("ca.pem"),
    "-days",
    "2",
    "-subj",
    "/CN=Contact Sync Test CA",
  ]);
  run([
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    f("srv.key"),
    "-out",
    f("srv.csr"),
    "-subj",
    "/CN=test server",
  ]);
  fs.writeFileSync(
    f("ext.cnf"),
    `subjectAltName=${subjectAltName}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`,
  );
  run([
    "x509",
    "-req",
    "-in",
    f("srv.csr"),
    "-CA",
    f("ca.pem"),
    "-CAkey",
    f("ca.key"),
    "-CAcreateserial",
    "-out",
    f("srv.pem"),
    "-days",
    "2",
    "-extfile",
    f("ext.cnf"),
  ]);
  const cert = fs.readFileSync(f("srv.pem"), "utf8");
  return {
    cert,
    key: fs.readFileSync(f("srv.key"), "utf8"),
    caCert: fs.readFileSync(f("ca.pem"), "utf8"),
    caFile: f("ca.pem"),
    fingerprint256: new X509Certificate(cert).fingerprint256,
  };
}
