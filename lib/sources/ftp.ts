import { PassThrough, Writable } from "node:stream";
import type { TLSSocket } from "node:tls";
import { Client, FTPError, FileType } from "basic-ftp";
import { env } from "@/lib/env";
import { assertAllowedPort, resolveAllowed, tryAddresses } from "@/lib/sources/hosts";
import type { RemoteFile, SourceSpec } from "@/lib/sources/types";
import { SourceError, networkError, redact } from "@/lib/sources/errors";
import { joinPath, type ParsedLocation } from "@/lib/sources/location";
import type { RemoteSession } from "@/lib/sources/remote";
import { tlsOptionsFor, verifyTlsPeer } from "@/lib/sources/tls";
import { guardTransfer, withDeadline } from "@/lib/sources/transfer";

const CONTROL = /[\r\n\u0000]/;

/** Turns basic-ftp errors (FTP reply codes, socket errors) into messages staff can act on. */
function ftpError(e: unknown, what: string, spec: SourceSpec): SourceError {
  if (e instanceof SourceError) return e;
  if (e instanceof FTPError) {
    const reply = redact(e.message.trim(), [spec.password, spec.passphrase]);
    if (e.code === 530)
      return new SourceError(
        "auth_failed",
        `${what}: the server refused the login (${reply}). Check the login and password.`,
      );
    if (e.code === 550 || e.code === 450)
      return new SourceError("not_found", `${what}: the server cannot find it or refuses access (${reply}).`);
    if (e.code === 421)
      return new SourceError("connect_failed", `${what}: the server closed the connection (${reply}).`);
    return new SourceError("protocol_error", `${what}: the server answered "${reply}".`);
  }
  const msg = String((e as Error)?.message ?? e);
  if (/Timeout \(data socket\)/.test(msg))
    return new SourceError(
      "timeout",
      `${what}: the server stopped sending data for ${Math.round(env.SOURCE_IDLE_TIMEOUT_MS / 1000)} s. Nothing from this partial file is imported.`,
    );
  if (/Timeout/.test(msg)) return new SourceError("timeout", `${what}: the server did not answer in time.`);
  if (/SSL|TLS|wrong version number|handshake/i.test(msg))
    return new SourceError(
      "protocol_error",
      `${what}: the TLS handshake failed (${redact(msg, [spec.password])}). Check that the protocol (FTP, FTPS explicit, FTPS implicit) matches the server.`,
    );
  return networkError(e, what, [spec.password, spec.passphrase]);
}

function verifyDataChannel(client: Client, spec: SourceSpec, host: string) {
  const ds = client.ftp.dataSocket as TLSSocket | undefined;
  // A resumed session is bound to the already-verified control connection; a fresh one is checked like it.
  if (ds && typeof ds.getPeerCertificate === "function" && !ds.isSessionReused())
    verifyTlsPeer(ds, spec.tlsFingerprint, host);
}

/** Connects to the checked address, secures the channel (verifying the certificate first), then logs in. */
export async function connectFtp(spec: SourceSpec, loc: ParsedLocation, signal?: AbortSignal): Promise<RemoteSession> {
  if (CONTROL.test(spec.login ?? "") || CONTROL.test(spec.password ?? ""))
    throw new SourceError("auth_failed", "The login or password contains a line break, which FTP cannot send.");
  assertAllowedPort(loc.kind, loc.port);
  const addresses = await resolveAllowed(loc.host, spec.allowPrivateHosts);
  return tryAddresses(addresses, (address) => connectFtpAt(spec, loc, address, signal));
}

async function connectFtpAt(
  spec: SourceSpec,
  loc: ParsedLocation,
  address: string,
  signal?: AbortSignal,
): Promise<RemoteSession> {
  const login = spec.login || "anonymous";
  const password = spec.password ?? (spec.login ? "" : "anonymous@");
  const label = `the ${loc.kind.toUpperCase()} server ${loc.host}`;
  const client = new Client(env.SOURCE_IDLE_TIMEOUT_MS);
  let seenTls: string | undefined;
  const tlsOptions = { ...tlsOptionsFor(loc.host), host: address };

  const connect = async () => {
    if (loc.kind === "ftps") {
      await client.connectImplicitTLS(address, loc.port, tlsOptions);
    } else {
      await client.connect(address, loc.port);
      if (loc.kind === "ftpes") {
        try {
          await client.useTLS(tlsOptions);
        } catch (e) {
          if (e instanceof FTPError)
            throw new SourceError(
              "protocol_error",
              `${label} does not offer explicit TLS (AUTH TLS answered "${e.message.trim()}"). Use FTP or FTPS (implicit) if that is what it offers.`,
            );
          throw e;
        }
      }
    }
    if (loc.kind !== "ftp") seenTls = verifyTlsPeer(client.ftp.socket as TLSSocket, spec.tlsFingerprint, loc.host);
    await client.sendIgnoringError("OPTS UTF8 ON");
    await client.login(login, password);
    await client.useDefaultSettings();
  };
  try {
    await withDeadline(
      connect(),
      env.SOURCE_CONNECT_TIMEOUT_MS,
      `Connecting to ${label}`,
      () => client.close(),
      signal,
    );
  } catch (e) {
    client.close();
    throw ftpError(e, `Connecting to ${label}`, spec);
  }

  const mtimeOf = async (path: string): Promise<string> => {
    try {
      return (await client.lastMod(path)).toISOString();
    } catch (e) {
      if (e instanceof FTPError) return ""; // MDTM not supported: no time known
      throw e;
    }
  };

  const session: RemoteSession = {
    label,
    seenTlsFingerprint: seenTls,
    async list(dir) {
      try {
        const entries = await client.list(dir);
        const files: RemoteFile[] = [];
        for (const e of entries) {
          if (e.type !== FileType.File || e.name === "." || e.name === "..") continue;
          const path = joinPath(dir, e.name);
          // modifiedAt is only parsed from MLSD listings; otherwise ask MDTM for each file.
          const mtime = e.modifiedAt ? e.modifiedAt.toISOString() : await mtimeOf(path);
          files.push({ name: e.name, path, size: e.size, mtime });
        }
        return files;
      } catch (e) {
        throw ftpError(e, `Listing ${dir} on ${label}`, spec);
      }
    },
    async stat(path) {
      const name = path.split("/").pop()!;
      try {
        let size: number;
        try {
          size = await client.size(path);
        } catch (e) {
          // Servers without SIZE (500-504): find the file in its folder's listing instead.
          if (!(e instanceof FTPError) || e.code < 500 || e.code > 504) throw e;
          const dir = path.slice(0, path.length - name.length - 1) || "/";
          const found = (await session.list(dir)).find((f) => f.name === name);
          if (!found) throw new SourceError("not_found", `There is no file ${path} on ${label}.`);
          return found;
        }
        return { name, path, size, mtime: await mtimeOf(path) };
      } catch (e) {
        const err = ftpError(e, `Reading ${path} on ${label}`, spec);
        if (err.code === "not_found") throw new SourceError("not_found", `There is no file ${path} on ${label}.`);
        throw err;
      }
    },
    read(file, sig) {
      const what = `Downloading ${file.path} from ${label}`;
      const feed = new PassThrough();
      // basic-ftp ends its destination even when the transfer fails; this sink never ends `feed`, so only a
      // transfer the server confirmed complete (226) ends the stream, and every failure errors it.
      const sink = new Writable({
        write(chunk, _enc, cb) {
          if (feed.destroyed) return cb(new Error("download closed"));
          if (feed.write(chunk)) cb();
          else {
            const done = () => {
              feed.off("drain", done).off("close", done);
              cb(feed.destroyed ? new Error("download closed") : null);
            };
            feed.on("drain", done).on("close", done);
          }
        },
        final(cb) {
          cb();
        },
      });
      client.downloadTo(sink, file.path).then(
        () => feed.end(),
        (e) => feed.destroy(ftpError(e, what, spec)),
      );
      return guardTransfer(feed, {
        expectedSize: file.size,
        idleMs: env.SOURCE_IDLE_TIMEOUT_MS,
        signal: sig,
        what,
        mapError: (e) => ftpError(e, what, spec),
        beforeFirstByte: () => verifyDataChannel(client, spec, loc.host),
        onClose: () => client.close(),
      });
    },
    async rename(from, to) {
      try {
        await client.rename(from, to);
      } catch (e) {
        throw ftpError(e, `Moving ${from} to ${to} on ${label}`, spec);
      }
    },
    async remove(path) {
      try {
        await client.remove(path);
      } catch (e) {
        throw ftpError(e, `Deleting ${path} on ${label}`, spec);
      }
    },
    async mkdirs(dir) {
      try {
        // ensureDir creates each missing folder and changes into it; every other command uses absolute paths.
        await client.ensureDir(dir);
      } catch (e) {
        throw ftpError(e, `Creating the folder ${dir} on ${label}`, spec);
      }
    },
    async close() {
      client.close();
    },
  };
  return session;
}
