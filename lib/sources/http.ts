import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import type { Readable } from "node:stream";
import type { TLSSocket } from "node:tls";
import { Agent, buildConnector, request, type Dispatcher } from "undici";
import type { Fingerprint } from "@/db/schema";
import { env } from "@/lib/env";
import { assertAllowedPort, guardedLookup, resolveAllowed } from "@/lib/security/hosts";
import type { ConnectionCheck, OpenOptions, OpenResult, SourceSpec } from "./types";
import { SourceError, networkError, redact } from "./errors";
import type { ParsedLocation } from "./location";
import { verifyTlsPeer } from "./tls";
import { guardTransfer } from "./transfer";

const MAX_REDIRECTS = 5;

type Session = { agent: Agent; seenTls?: string };

/**
 * One dispatcher per open: every connection resolves its host through the SSRF guard (`lookup`), and every
 * TLS socket is verified (CA or pin) in the connect callback, i.e. before undici writes the request and its
 * Authorization header. The pin only applies to the link's own host and port, not to redirect targets.
 */
function openSession(spec: SourceSpec, loc: ParsedLocation): Session {
  const session: Session = {} as Session;
  // servername is left to undici (per host, so redirect targets get their own); verification happens below.
  const connector = buildConnector({
    rejectUnauthorized: false,
    minVersion: "TLSv1.2",
    timeout: env.SOURCE_CONNECT_TIMEOUT_MS,
    maxCachedSessions: 0,
    lookup: guardedLookup(spec.allowPrivateHosts),
  } as buildConnector.BuildOptions);
  session.agent = new Agent({
    connect(opts, cb) {
      connector(opts, (err, socket) => {
        if (err || !socket) return cb(err ?? new Error("connection failed"), null);
        if (opts.protocol === "https:") {
          const port = Number(opts.port) || 443;
          const host = opts.hostname.replace(/^\[|\]$/g, "");
          const pin = host === loc.host && port === loc.port ? spec.tlsFingerprint : null;
          try {
            session.seenTls = verifyTlsPeer(socket as TLSSocket, pin, host);
          } catch (e) {
            socket.destroy();
            return cb(e as Error, null);
          }
        }
        cb(null, socket);
      });
    },
    headersTimeout: env.SOURCE_IDLE_TIMEOUT_MS,
    bodyTimeout: 0, // guardTransfer handles stalls without counting our own backpressure as one
    connections: 1,
  });
  return session;
}

function header(res: Dispatcher.ResponseData, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v ?? undefined;
}

function fileName(url: URL, fallback: string): string {
  const last = url.pathname.split("/").pop() ?? "";
  try {
    return decodeURIComponent(last) || fallback;
  } catch {
    return last || fallback;
  }
}

/** Sends the request and follows up to 5 redirects by hand, re-checking scheme, port and host of each target. */
async function send(
  spec: SourceSpec,
  loc: ParsedLocation,
  session: Session,
  method: "GET" | "HEAD",
  extra: Record<string, string>,
  signal?: AbortSignal,
): Promise<{ res: Dispatcher.ResponseData; url: URL }> {
  let url = new URL(loc.url!);
  const origin = url.origin;
  const secrets = [spec.password];
  for (let hop = 0; ; hop++) {
    assertAllowedPort(url.protocol.slice(0, -1), Number(url.port) || (url.protocol === "https:" ? 443 : 80));
    await resolveAllowed(url.hostname, spec.allowPrivateHosts); // IP literals never reach `lookup`
    const headers: Record<string, string> = {
      "user-agent": "ContactSync/1.0",
      accept: "text/csv, text/plain, */*",
      "accept-encoding": "identity",
      ...extra,
    };
    // Credentials go to the link's own origin only, never to where it redirects.
    if (spec.login && url.origin === origin) {
      headers.authorization = "Basic " + Buffer.from(`${spec.login}:${spec.password ?? ""}`).toString("base64");
    }
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { method, headers, dispatcher: session.agent, signal });
    } catch (e) {
      throw networkError(e, `Connecting to ${url.host}`, secrets);
    }
    if (![301, 302, 303, 307, 308].includes(res.statusCode)) return { res, url };
    await res.body.dump().catch(() => {});
    const target = header(res, "location");
    if (!target) throw new SourceError("protocol_error", `${url.host} answered with a redirect (HTTP ${res.statusCode}) but no target.`);
    if (hop + 1 > MAX_REDIRECTS) throw new SourceError("protocol_error", `Too many redirects (more than ${MAX_REDIRECTS}) starting from ${loc.url!.host}.`);
    let next: URL;
    try {
      next = new URL(target, url);
    } catch {
      throw new SourceError("protocol_error", `${url.host} redirected to an invalid address.`);
    }
    if (next.protocol !== "http:" && next.protocol !== "https:")
      throw new SourceError("protocol_error", `${url.host} redirected to a ${next.protocol} link; only http and https redirects are followed.`);
    if (url.protocol === "https:" && next.protocol === "http:")
      throw new SourceError("protocol_error", `${url.host} redirected from https to plain http (${next.host}); refused to downgrade.`);
    if (next.username || next.password) throw new SourceError("protocol_error", `${url.host} redirected to a link with credentials in it; refused.`);
    next.hash = "";
    url = next;
  }
}

function statusError(status: number, url: URL): SourceError {
  if (status === 401) return new SourceError("auth_failed", `${url.host} refused the login (HTTP 401). Check the login and password.`);
  if (status === 403) return new SourceError("auth_failed", `${url.host} denied access to ${url.pathname} (HTTP 403).`);
  if (status === 404 || status === 410) return new SourceError("not_found", `${url.host} has no file at ${url.pathname} (HTTP ${status}).`);
  return new SourceError("protocol_error", `${url.host} answered HTTP ${status} for ${url.pathname}.`);
}

function decoded(stream: Readable, encoding: string | undefined, what: string): Readable {
  const enc = (encoding ?? "identity").toLowerCase().trim();
  if (enc === "identity" || enc === "") return stream;
  const z = enc === "gzip" || enc === "x-gzip" ? createGunzip() : enc === "deflate" ? createInflate() : enc === "br" ? createBrotliDecompress() : null;
  if (!z) {
    stream.destroy();
    throw new SourceError("protocol_error", `${what}: the server sent the file with an unsupported encoding (${enc}).`);
  }
  stream.on("error", (e) => z.destroy(e));
  z.on("close", () => stream.destroy());
  const out = stream.pipe(z);
  out.on("error", () => {});
  return out;
}

export async function openHttp(spec: SourceSpec, loc: ParsedLocation, opts: OpenOptions): Promise<OpenResult> {
  const session = openSession(spec, loc);
  const prev = opts.previous;
  const conditional: Record<string, string> = {};
  if (prev?.etag) conditional["if-none-match"] = prev.etag;
  if (prev?.lastModified) conditional["if-modified-since"] = prev.lastModified;
  try {
    const { res, url } = await send(spec, loc, session, "GET", conditional, opts.signal);
    const name = fileName(url, loc.host);
    if (res.statusCode === 304 && prev) {
      await res.body.dump().catch(() => {});
      await session.agent.destroy();
      return { unchanged: true, fingerprint: prev, name };
    }
    if (res.statusCode !== 200) {
      await res.body.dump().catch(() => {});
      throw statusError(res.statusCode, url);
    }
    const etag = header(res, "etag");
    const lastModified = header(res, "last-modified");
    const encoding = header(res, "content-encoding");
    const lengthHeader = header(res, "content-length");
    const length = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
    const identity = !encoding || encoding.toLowerCase() === "identity";
    const fingerprint: Fingerprint = { name, ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}), ...(identity && length !== undefined ? { size: length } : {}) };

    // A server that ignores conditional requests but reports the same validator is still unchanged.
    if (prev && ((etag && prev.etag === etag) || (!etag && !prev.etag && lastModified && prev.lastModified === lastModified))) {
      res.body.destroy();
      await session.agent.destroy();
      return { unchanged: true, fingerprint: prev, name };
    }
    const what = `Downloading ${url.host}${url.pathname}`;
    const guarded = guardTransfer(res.body, {
      expectedSize: length,
      idleMs: env.SOURCE_IDLE_TIMEOUT_MS,
      signal: opts.signal,
      what,
      mapError: (e) => networkError(e, what, [spec.password]),
      onClose: () => void session.agent.destroy().catch(() => {}),
    });
    const stream = decoded(guarded, encoding, what);
    return {
      unchanged: false,
      source: {
        name,
        size: identity ? length : undefined,
        fingerprint,
        stream,
        seenTlsFingerprint: session.seenTls,
        close: async () => {
          stream.destroy();
          await session.agent.destroy().catch(() => {});
        },
      },
    };
  } catch (e) {
    await session.agent.destroy().catch(() => {});
    throw networkError(e, `Connecting to ${loc.host}`, [spec.password]);
  }
}

export async function checkHttp(spec: SourceSpec, loc: ParsedLocation): Promise<ConnectionCheck> {
  const session = openSession(spec, loc);
  try {
    let { res, url } = await send(spec, loc, session, "HEAD", {});
    await res.body.dump().catch(() => {});
    if (res.statusCode === 405 || res.statusCode === 501) {
      ({ res, url } = await send(spec, loc, session, "GET", {}));
      res.body.destroy();
    }
    if (res.statusCode !== 200) throw statusError(res.statusCode, url);
    const size = header(res, "content-length");
    const modified = header(res, "last-modified");
    const details = [size ? `${size} bytes` : null, modified ? `last modified ${modified}` : null].filter(Boolean).join(", ");
    return {
      ok: true,
      message: redact(`Connected to ${url.host}: ${fileName(url, url.host)} is reachable${details ? ` (${details})` : ""}.`, [spec.password]),
      tlsFingerprint: session.seenTls,
    };
  } finally {
    await session.agent.destroy().catch(() => {});
  }
}
