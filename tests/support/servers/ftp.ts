import { X509Certificate } from "node:crypto";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import type { Readable } from "node:stream";
import { FileSystem, FtpSrv } from "ftp-srv";
import { selfSignedCert } from "@/tests/support/servers/certs";

const require = createRequire(import.meta.url);
// ftp-srv logs through bunyan; tests want it silent.
const bunyan = require("bunyan") as { createLogger(o: object): unknown };

/**
 * ftp-srv answers AUTH TLS with 234 and only then wraps the socket, and its plain-text "data" listener stays on
 * the raw socket: the client's TLS ClientHello can then also be parsed as an FTP command and answered, which
 * desynchronises the replies (flaky "wrong version number" / wrong reply errors). Patch the command (test server
 * only): stop reading before the 234 goes out, so the ClientHello waits for the TLS layer, and let the plain-text
 * listener ignore TLS handshake records (first byte 0x16; no FTP command starts with it).
 */
function patchAuthTls() {
  type AuthThis = {
    server: { options: { tls: object | false } };
    secure: boolean;
    commandSocket: import("node:net").Socket;
  };
  type Handler = (this: AuthThis, a: { command: { arg: string } }) => unknown;
  const auth = require("ftp-srv/src/commands/registration/auth.js") as { handler: Handler; patched?: boolean };
  if (auth.patched) return;
  const original = auth.handler;
  auth.handler = function (this: AuthThis, args) {
    if (String(args.command.arg).toUpperCase() !== "TLS" || !this.server.options.tls || this.secure)
      return original.call(this, args);
    const raw = this.commandSocket;
    const listeners = raw.listeners("data") as ((chunk: Buffer) => void)[];
    raw.removeAllListeners("data");
    for (const l of listeners)
      raw.on("data", (chunk: Buffer) => (Buffer.isBuffer(chunk) && chunk[0] === 0x16 ? undefined : l(chunk)));
    raw.pause();
    return original.call(this, args);
  };
  auth.patched = true;
}

export type FtpServerOptions = {
  root: string;
  user: string;
  password: string;
  /** false: plain FTP; "explicit": AUTH TLS on the normal port (ftpes); "implicit": TLS from the first byte (ftps). */
  tls?: false | "explicit" | "implicit";
  /** Lets a test replace what is sent for a file (truncate, stall, fail mid-way). */
  transformRead?: (clientPath: string, data: Readable) => Readable;
  /** FTP commands the server refuses (502), e.g. ["SIZE", "MDTM"] to imitate a minimal server. */
  blacklist?: string[];
  /** Refuse deleting, renaming and creating folders (550), as a read-only drop folder does. */
  readOnly?: boolean;
  /** Certificate for TLS; a self-signed one when omitted. */
  cert?: { cert: string; key: string };
};

export type TestFtpServer = {
  /** Base URL, e.g. ftp://127.0.0.1:40123 (ftpes:// or ftps:// when TLS is on). */
  url: string;
  port: number;
  fingerprint?: string;
  /** Login attempts (user names) and file reads the server saw. */
  logins: string[];
  reads: string[];
  close(): Promise<void>;
};

/** A real FTP server (ftp-srv) on 127.0.0.1 with passive mode, serving `root`. */
export async function startFtpServer(opts: FtpServerOptions): Promise<TestFtpServer> {
  patchAuthTls();
  const cert = !opts.tls
    ? undefined
    : opts.cert
      ? { ...opts.cert, fingerprint256: new X509Certificate(opts.cert.cert).fingerprint256 }
      : selfSignedCert();
  const scheme = opts.tls === "implicit" ? "ftps" : "ftp";
  const server = new FtpSrv({
    url: `${scheme}://127.0.0.1:0`,
    pasv_url: "127.0.0.1",
    pasv_min: 20000,
    pasv_max: 60000,
    tls: cert ? { cert: cert.cert, key: cert.key } : false,
    anonymous: false,
    blacklist: opts.blacklist ?? [],
    log: bunyan.createLogger({ name: "ftp-test", streams: [] }),
  });
  const transform = opts.transformRead;
  const logins: string[] = [];
  const reads: string[] = [];
  class TestFs extends FileSystem {
    async read(fileName: string, o?: { start?: unknown }) {
      const r = await super.read(fileName, o ?? {});
      reads.push(r.clientPath);
      return transform ? { ...r, stream: transform(r.clientPath, r.stream) } : r;
    }
    async delete(p: string) {
      if (opts.readOnly) throw new Error("Permission denied");
      return super.delete(p);
    }
    async rename(from: string, to: string) {
      if (opts.readOnly) throw new Error("Permission denied");
      return super.rename(from, to);
    }
    async mkdir(p: string) {
      if (opts.readOnly) throw new Error("Permission denied");
      return super.mkdir(p);
    }
  }
  server.on("login", ({ connection, username, password }, resolve, reject) => {
    logins.push(username);
    if (username === opts.user && password === opts.password)
      resolve({ fs: new TestFs(connection, { root: opts.root, cwd: "/" }) });
    else reject(new Error("Login incorrect"));
  });
  server.on("client-error", () => {});
  await server.listen();
  const port = ((server as unknown as { server: import("node:net").Server }).server.address() as AddressInfo).port;
  const shown = opts.tls === "explicit" ? "ftpes" : scheme;
  return {
    url: `${shown}://127.0.0.1:${port}`,
    port,
    fingerprint: cert?.fingerprint256,
    logins,
    reads,
    close: async () => {
      await server.close();
    },
  };
}
