import { createHash } from "node:crypto";
import fs from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import ssh2 from "ssh2";

const { Server, utils } = ssh2;
const { STATUS_CODE } = utils.sftp;

export type SftpServerOptions = {
  /** Folder served as "/". */
  root: string;
  user: string;
  /** Password accepted (omit to allow key auth only). */
  password?: string;
  /** OpenSSH public key line accepted for publickey auth. */
  publicKey?: string;
  /** Host private key (OpenSSH/PEM); a fresh ed25519 key when omitted. */
  hostKey?: string;
  /** Drop the whole connection once a read reaches this offset (tests "connection lost mid-transfer"). */
  dropAtOffset?: number;
  /** Stop answering reads once they reach this offset (tests "stalled transfer"). */
  stallAtOffset?: number;
  /** Refuse RENAME, REMOVE and MKDIR with "permission denied" (a read-only drop folder). */
  readOnly?: boolean;
};

export type TestSftpServer = {
  /** Base URL, e.g. sftp://127.0.0.1:40123 */
  url: string;
  port: number;
  /** "SHA256:..." as OpenSSH prints it. */
  hostKeyFingerprint: string;
  /** Authentication methods clients tried ("none", "password", "publickey"...). */
  authAttempts: string[];
  close(): Promise<void>;
};

/**
 * An ed25519 key pair in OpenSSH form. ssh2's generator strips leading zero bytes of the public key, so about
 * 1 in 256 pairs cannot be parsed back (mscdex/ssh2#1513, #1390): such pairs are drawn again.
 */
export function makeKeyPair(passphrase?: string): { private: string; public: string } {
  for (;;) {
    const k = utils.generateKeyPairSync(
      "ed25519",
      passphrase ? { passphrase, cipher: "aes256-cbc", rounds: 4 } : undefined,
    );
    if (!(utils.parseKey(k.public) instanceof Error) && !(utils.parseKey(k.private, passphrase) instanceof Error))
      return k;
  }
}

/** A client key pair for publickey tests: OpenSSH private key (optionally encrypted) and public line. */
export function makeClientKey(passphrase?: string): { privateKey: string; publicKey: string } {
  const k = makeKeyPair(passphrase);
  return { privateKey: k.private, publicKey: k.public };
}

function longname(name: string, st: fs.Stats): string {
  return `${st.isDirectory() ? "d" : "-"}rw-r--r-- 1 test test ${st.size} Jan  1 00:00 ${name}`;
}

function attrsOf(st: fs.Stats) {
  return {
    mode: st.mode,
    uid: 0,
    gid: 0,
    size: st.size,
    atime: Math.floor(st.atimeMs / 1000),
    mtime: Math.floor(st.mtimeMs / 1000),
  };
}

/** A real SSH server (ssh2) offering read-only SFTP over `root`, on 127.0.0.1. */
export async function startSftpServer(opts: SftpServerOptions): Promise<TestSftpServer> {
  const hostKey = opts.hostKey ?? makeKeyPair().private;
  const parsedHost = utils.parseKey(hostKey);
  if (parsedHost instanceof Error) throw parsedHost;
  const hostKeyFingerprint =
    "SHA256:" + createHash("sha256").update(parsedHost.getPublicSSH()).digest("base64").replace(/=+$/, "");
  const allowedKey = opts.publicKey ? utils.parseKey(opts.publicKey) : null;
  if (allowedKey instanceof Error) throw allowedKey;
  const root = path.resolve(opts.root);
  const resolve = (p: string) => {
    const full = path.join(root, path.posix.normalize("/" + p));
    return full.startsWith(root) ? full : root;
  };
  const authAttempts: string[] = [];
  const clients = new Set<import("ssh2").Connection>();

  const server = new Server({ hostKeys: [hostKey] }, (client) => {
    clients.add(client);
    client.on("close", () => clients.delete(client));
    client.on("error", () => {});
    client.on("authentication", (ctx) => {
      authAttempts.push(ctx.method);
      if (ctx.username !== opts.user) return ctx.reject();
      if (ctx.method === "password" && opts.password !== undefined && ctx.password === opts.password)
        return ctx.accept();
      if (ctx.method === "publickey" && allowedKey) {
        if (ctx.key.algo !== allowedKey.type || !ctx.key.data.equals(allowedKey.getPublicSSH())) return ctx.reject();
        if (!ctx.signature) return ctx.accept();
        return allowedKey.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : ctx.reject();
      }
      ctx.reject(["password", "publickey"]);
    });
    client.on("ready", () => {
      client.on("session", (acceptSession) => {
        const session = acceptSession();
        session.on("sftp", (acceptSftp) => {
          const sftp = acceptSftp();
          const files = new Map<number, number>();
          const dirs = new Map<number, { dir: string; done: boolean }>();
          let next = 1;
          const handleOf = (n: number) => {
            const b = Buffer.alloc(4);
            b.writeUInt32BE(n);
            return b;
          };
          const fail = (id: number, e: NodeJS.ErrnoException) =>
            sftp.status(
              id,
              e.code === "ENOENT"
                ? STATUS_CODE.NO_SUCH_FILE
                : e.code === "EACCES"
                  ? STATUS_CODE.PERMISSION_DENIED
                  : STATUS_CODE.FAILURE,
              e.code === "ENOENT" ? "No such file" : e.message,
            );

          sftp.on("REALPATH", (id, p) => {
            const norm = path.posix.normalize("/" + (p === "." ? "" : p));
            sftp.name(id, [{ filename: norm, longname: norm, attrs: {} as never }]);
          });
          const stat = (id: number, p: string) =>
            fs.stat(resolve(p), (err, st) => (err ? fail(id, err) : sftp.attrs(id, attrsOf(st))));
          sftp.on("STAT", stat);
          sftp.on("LSTAT", stat);
          sftp.on("OPEN", (id, filename) => {
            fs.open(resolve(filename), "r", (err, fd) => {
              if (err) return fail(id, err);
              const h = next++;
              files.set(h, fd);
              sftp.handle(id, handleOf(h));
            });
          });
          sftp.on("READ", (id, handle, offset, length) => {
            const fd = files.get(handle.readUInt32BE(0));
            if (fd === undefined) return sftp.status(id, STATUS_CODE.FAILURE);
            if (opts.dropAtOffset !== undefined && offset >= opts.dropAtOffset) return client.end();
            if (opts.stallAtOffset !== undefined && offset >= opts.stallAtOffset) return;
            const buf = Buffer.alloc(length);
            fs.read(fd, buf, 0, length, offset, (err, n) => {
              if (err) return fail(id, err);
              if (n === 0) return sftp.status(id, STATUS_CODE.EOF);
              sftp.data(id, buf.subarray(0, n));
            });
          });
          sftp.on("FSTAT", (id, handle) => {
            const fd = files.get(handle.readUInt32BE(0));
            if (fd === undefined) return sftp.status(id, STATUS_CODE.FAILURE);
            fs.fstat(fd, (err, st) => (err ? fail(id, err) : sftp.attrs(id, attrsOf(st))));
          });
          sftp.on("OPENDIR", (id, p) => {
            fs.stat(resolve(p), (err, st) => {
              if (err) return fail(id, err);
              if (!st.isDirectory()) return sftp.status(id, STATUS_CODE.FAILURE, "Not a directory");
              const h = next++;
              dirs.set(h, { dir: resolve(p), done: false });
              sftp.handle(id, handleOf(h));
            });
          });
          sftp.on("READDIR", (id, handle) => {
            const d = dirs.get(handle.readUInt32BE(0));
            if (!d) return sftp.status(id, STATUS_CODE.FAILURE);
            if (d.done) return sftp.status(id, STATUS_CODE.EOF);
            d.done = true;
            const names = fs.readdirSync(d.dir).map((name) => {
              const st = fs.statSync(path.join(d.dir, name));
              return { filename: name, longname: longname(name, st), attrs: attrsOf(st) as never };
            });
            if (names.length === 0) return sftp.status(id, STATUS_CODE.EOF);
            sftp.name(id, names);
          });
          // After-import actions: rename (refused when the target exists, as SFTP v3 servers do), remove, mkdir.
          const refuse = (id: number) =>
            opts.readOnly ? (sftp.status(id, STATUS_CODE.PERMISSION_DENIED, "Permission denied"), true) : false;
          const done = (id: number) => (err: NodeJS.ErrnoException | null) =>
            err ? fail(id, err) : sftp.status(id, STATUS_CODE.OK);
          sftp.on("RENAME", (id, from, to) => {
            if (refuse(id)) return;
            if (fs.existsSync(resolve(to))) return sftp.status(id, STATUS_CODE.FAILURE, "Target exists");
            fs.rename(resolve(from), resolve(to), done(id));
          });
          sftp.on("REMOVE", (id, p) => {
            if (!refuse(id)) fs.unlink(resolve(p), done(id));
          });
          sftp.on("MKDIR", (id, p) => {
            if (!refuse(id)) fs.mkdir(resolve(p), done(id));
          });
          sftp.on("CLOSE", (id, handle) => {
            const h = handle.readUInt32BE(0);
            const fd = files.get(h);
            files.delete(h);
            dirs.delete(h);
            if (fd !== undefined) fs.close(fd, () => sftp.status(id, STATUS_CODE.OK));
            else sftp.status(id, STATUS_CODE.OK);
          });
        });
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `sftp://127.0.0.1:${port}`,
    port,
    hostKeyFingerprint,
    authAttempts,
    close: () =>
      new Promise<void>((r) => {
        for (const c of clients) c.end();
        server.close(() => r());
      }),
  };
}
