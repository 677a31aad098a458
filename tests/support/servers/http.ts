import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { selfSignedCert } from "@/tests/support/servers/certs";

export type HttpRoute = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export type HttpServerOptions = {
  /** Folder served at "/" (GET and HEAD, with ETag / Last-Modified and conditional requests). */
  root: string;
  /** Serve HTTPS with a self-signed certificate (see `fingerprint`), or with the given one. */
  tls?: boolean | { cert: string; key: string };
  /** Require Basic auth. */
  auth?: { user: string; password: string };
  /** Extra handlers by exact path, for redirects, stalls, drops... */
  routes?: Record<string, HttpRoute>;
  /** How long the server keeps an idle kept-alive connection (Node's default: 5 s). */
  keepAliveTimeoutMs?: number;
};

export type TestHttpServer = {
  /** Base URL without trailing slash, e.g. http://127.0.0.1:40123 */
  url: string;
  port: number;
  /** SHA-256 fingerprint of the certificate when tls is on. */
  fingerprint?: string;
  /** Requests seen (method, path, headers), newest last. */
  requests: { method: string; path: string; headers: http.IncomingHttpHeaders }[];
  close(): Promise<void>;
};

function serveFile(root: string, req: http.IncomingMessage, res: http.ServerResponse) {
  const rel = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
  const file = path.join(root, path.normalize(rel));
  if (!file.startsWith(path.resolve(root)) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404).end("not found");
    return;
  }
  const st = fs.statSync(file);
  const etag = `"${st.size}-${Math.floor(st.mtimeMs)}"`;
  const lastModified = st.mtime.toUTCString();
  const since = req.headers["if-modified-since"];
  const notModified =
    req.headers["if-none-match"] === etag ||
    (!req.headers["if-none-match"] && since && Math.floor(st.mtimeMs / 1000) <= Math.floor(Date.parse(since) / 1000));
  if (notModified) {
    res.writeHead(304, { etag, "last-modified": lastModified }).end();
    return;
  }
  res.writeHead(200, { "content-type": "text/csv", "content-length": st.size, etag, "last-modified": lastModified });
  if (req.method === "HEAD") res.end();
  else fs.createReadStream(file).pipe(res);
}

/** A real HTTP(S) server on 127.0.0.1 (random port) for tests and benchmarks. */
export async function startHttpServer(opts: HttpServerOptions): Promise<TestHttpServer> {
  const requests: TestHttpServer["requests"] = [];
  const handler: http.RequestListener = (req, res) => {
    const p = new URL(req.url ?? "/", "http://x").pathname;
    requests.push({ method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers });
    if (opts.auth) {
      const want = "Basic " + Buffer.from(`${opts.auth.user}:${opts.auth.password}`).toString("base64");
      if (req.headers.authorization !== want) {
        res.writeHead(401, { "www-authenticate": 'Basic realm="test"' }).end();
        return;
      }
    }
    const route = opts.routes?.[p];
    if (route) route(req, res);
    else serveFile(opts.root, req, res);
  };
  const cert =
    opts.tls === true
      ? selfSignedCert()
      : opts.tls
        ? { ...opts.tls, fingerprint256: new X509Certificate(opts.tls.cert).fingerprint256 }
        : undefined;
  const server = cert ? https.createServer({ cert: cert.cert, key: cert.key }, handler) : http.createServer(handler);
  if (opts.keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = opts.keepAliveTimeoutMs;
  const sockets = new Set<import("node:net").Socket>();
  server.on(cert ? "secureConnection" : "connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${cert ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    fingerprint: cert?.fingerprint256,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
