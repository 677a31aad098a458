import http from "node:http";
import https from "node:https";
import net from "node:net";
import tls from "node:tls";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import type { Readable } from "node:stream";
import type { Fingerprint } from "@/db/schema";
import { env } from "@/lib/env";
import { assertAllowedPort, guardedLookup, resolveAllowed } from "@/lib/sources/hosts";
import type { ConnectionCheck, OpenOptions, OpenResult, SourceSpec } from "@/lib/sources/types";
import { SourceError, networkError, redact } from "@/lib/sources/errors";
import type { ParsedLocation } from "@/lib/sources/location";
import { tlsOptionsFor, verifyTlsPeer } from "@/lib/sources/tls";
import { guardTransfer } from "@/lib/sources/transfer";

const MAX_REDIRECTS = 5;

type Response = { statusCode: number; headers: http.IncomingHttpHeaders; body: http.IncomingMessage };

/**
 * The connections of one open (one per request, "Connection: close"): `close()` ends them all. Node's own HTTP
 * client, not undici: undici 7 (the last line that runs on Node 20) fails a body the reader is slow to take
 * when the server closes the connection meanwhile — "other side closed" after a kept-alive connection's
 * timeout, and an uncatchable assertion that ends the process after "Connection: close" (nodejs/undici#5360).
 */
type Session = { seenTls?: string; sockets: Set<net.Socket>; close(): void };

function openSession(): Session {
  const sockets = new Set<net.Socket>();
  return {
    sockets,
    close: () => {
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
  };
}

/**
 * The socket for one request to `url`: its host resolved through the SSRF guard (`lookup`), and a TLS socket
 * verified (CA or pin) before the request — and its Authorization header — is written to it. The pin only
 * applies to the link's own host and port, not to redirect targets.
 */
function connector(spec: SourceSpec, loc: ParsedLocation, session: Session, url: URL) {
  return (_opts: unknown, oncreate: (err: Error | null, socket?: net.Socket) => void): undefined => {
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const port = Number(url.port) || (url.protocol === "https:" ? 443 : 80);
    const lookup = guardedLookup(spec.allowPrivateHosts);
    let settled = false;
    const settle = (err: Error | null, socket: net.Socket) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        socket.destroy();
        oncreate(err);
      } else oncreate(null, socket);
    };
    let socket: net.Socket;
    if (url.protocol === "https:") {
      const secure = tls.connect({ host, port, lookup, ...tlsOptionsFor(host), ALPNProtocols: ["http/1.1"] });
      secure.once("secureConnect", () => {
        const pin = host === loc.host && port === loc.port ? spec.tlsFingerprint : null;
        try {
          session.seenTls = verifyTlsPeer(secure, pin, host);
          settle(null, secure);
        } catch (e) {
          settle(e as Error, secure);
        }
      });
      socket = secure;
    } else {
      socket = net.connect({ host, port, lookup });
      socket.once("connect", () => settle(null, socket));
    }
    socket.once("error", (e) => settle(e, socket));
    session.sockets.add(socket);
    socket.once("close", () => session.sockets.delete(socket));
    const timer = setTimeout(
      () => settle(new SourceError("timeout", `Connecting to ${url.host}: the server did not answer in time.`), socket),
      env.SOURCE_CONNECT_TIMEOUT_MS,
    );
    return undefined;
  };
}

/** One request; resolves with the response once its headers are in (within the connect + idle timeouts). */
function requestOnce(
  spec: SourceSpec,
  loc: ParsedLocation,
  session: Session,
  url: URL,
  method: "GET" | "HEAD",
  headers: Record<string, string>,
  signal?: AbortSignal,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === "https:" ? https : http;
    const req = client.request({
      method,
      protocol: url.protocol,
      host: url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      headers,
      signal,
      createConnection: connector(spec, loc, session, url) as unknown as http.RequestOptions["createConnection"],
    });
    const timer = setTimeout(
      () => req.destroy(new SourceError("timeout", `Connecting to ${url.host}: the server did not answer in time.`)),
      env.SOURCE_CONNECT_TIMEOUT_MS + env.SOURCE_IDLE_TIMEOUT_MS,
    );
    req.once("response", (res) => {
      clearTimeout(timer);
      resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: res });
    });
    req.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end();
  });
}

function header(res: Response, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : (v ?? undefined);
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
): Promise<{ res: Response; url: URL }> {
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
    let res: Response;
    try {
      res = await requestOnce(spec, loc, session, url, method, headers, signal);
    } catch (e) {
      throw networkError(e, `Connecting to ${url.host}`, secrets);
    }
    if (![301, 302, 303, 307, 308].includes(res.statusCode)) return { res, url };
    res.body.destroy();
    const target = header(res, "location");
    if (!target)
      throw new SourceError(
        "protocol_error",
        `${url.host} answered with a redirect (HTTP ${res.statusCode}) but no target.`,
      );
    if (hop + 1 > MAX_REDIRECTS)
      throw new SourceError(
        "protocol_error",
        `Too many redirects (more than ${MAX_REDIRECTS}) starting from ${loc.url!.host}.`,
      );
    let next: URL;
    try {
      next = new URL(target, url);
    } catch {
      throw new SourceError("protocol_error", `${url.host} redirected to an invalid address.`);
    }
    if (next.protocol !== "http:" && next.protocol !== "https:")
      throw new SourceError(
        "protocol_error",
        `${url.host} redirected to a ${next.protocol} link; only http and https redirects are followed.`,
      );
    if (url.protocol === "https:" && next.protocol === "http:")
      throw new SourceError(
        "protocol_error",
        `${url.host} redirected from https to plain http (${next.host}); refused to downgrade.`,
      );
    if (next.username || next.password)
      throw new SourceError("protocol_error", `${url.host} redirected to a link with credentials in it; refused.`);
    next.hash = "";
    url = next;
  }
}

function statusError(status: number, url: URL): SourceError {
  if (status === 401)
    return new SourceError("auth_failed", `${url.host} refused the login (HTTP 401). Check the login and password.`);
  if (status === 403) return new SourceError("auth_failed", `${url.host} denied access to ${url.pathname} (HTTP 403).`);
  if (status === 404 || status === 410)
    return new SourceError("not_found", `${url.host} has no file at ${url.pathname} (HTTP ${status}).`);
  return new SourceError("protocol_error", `${url.host} answered HTTP ${status} for ${url.pathname}.`);
}

function decoded(stream: Readable, encoding: string | undefined, what: string): Readable {
  const enc = (encoding ?? "identity").toLowerCase().trim();
  if (enc === "identity" || enc === "") return stream;
  const z =
    enc === "gzip" || enc === "x-gzip"
      ? createGunzip()
      : enc === "deflate"
        ? createInflate()
        : enc === "br"
          ? createBrotliDecompress()
          : null;
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
  const session = openSession();
  const prev = opts.previous;
  const conditional: Record<string, string> = {};
  if (prev?.etag) conditional["if-none-match"] = prev.etag;
  if (prev?.lastModified) conditional["if-modified-since"] = prev.lastModified;
  try {
    const { res, url } = await send(spec, loc, session, "GET", conditional, opts.signal);
    const name = fileName(url, loc.host);
    if (res.statusCode === 304 && prev) {
      session.close();
      return { unchanged: true, fingerprint: prev, name };
    }
    if (res.statusCode !== 200) {
      session.close();
      throw statusError(res.statusCode, url);
    }
    const etag = header(res, "etag");
    const lastModified = header(res, "last-modified");
    const encoding = header(res, "content-encoding");
    const lengthHeader = header(res, "content-length");
    const length = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
    const identity = !encoding || encoding.toLowerCase() === "identity";
    const fingerprint: Fingerprint = {
      name,
      ...(etag ? { etag } : {}),
      ...(lastModified ? { lastModified } : {}),
      ...(identity && length !== undefined ? { size: length } : {}),
    };

    // A server that ignores conditional requests but reports the same validator is still unchanged.
    if (
      prev &&
      ((etag && prev.etag === etag) || (!etag && !prev.etag && lastModified && prev.lastModified === lastModified))
    ) {
      session.close();
      return { unchanged: true, fingerprint: prev, name };
    }
    const what = `Downloading ${url.host}${url.pathname}`;
    const guarded = guardTransfer(res.body, {
      expectedSize: length,
      idleMs: env.SOURCE_IDLE_TIMEOUT_MS,
      signal: opts.signal,
      what,
      mapError: (e) => networkError(e, what, [spec.password]),
      onClose: () => session.close(),
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
          session.close();
        },
      },
    };
  } catch (e) {
    session.close();
    throw networkError(e, `Connecting to ${loc.host}`, [spec.password]);
  }
}

export async function checkHttp(spec: SourceSpec, loc: ParsedLocation): Promise<ConnectionCheck> {
  const session = openSession();
  try {
    let { res, url } = await send(spec, loc, session, "HEAD", {});
    res.body.destroy();
    if (res.statusCode === 405 || res.statusCode === 501) {
      ({ res, url } = await send(spec, loc, session, "GET", {}));
      res.body.destroy();
    }
    if (res.statusCode !== 200) throw statusError(res.statusCode, url);
    const size = header(res, "content-length");
    const modified = header(res, "last-modified");
    const details = [size ? `${size} bytes` : null, modified ? `last modified ${modified}` : null]
      .filter(Boolean)
      .join(", ");
    return {
      ok: true,
      message: redact(
        `Connected to ${url.host}: ${fileName(url, url.host)} is reachable${details ? ` (${details})` : ""}.`,
        [spec.password],
      ),
      tlsFingerprint: session.seenTls,
    };
  } finally {
    session.close();
  }
}
