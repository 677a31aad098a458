import type { SourceSpec } from "@/lib/sources/types";
import { startFtpServer } from "@/tests/support/servers/ftp";
import { startHttpServer } from "@/tests/support/servers/http";
import { makeClientKey, startSftpServer } from "@/tests/support/servers/sftp";

export type EveryKind = {
  /** A ready SourceSpec per remote kind for `relPath` inside root (e.g. "data/contacts.csv" or "drop/*.csv"). */
  specs(
    relPath: string,
    extra?: Partial<SourceSpec>,
  ): Record<"http" | "https" | "ftp" | "ftpes" | "ftps" | "sftp" | "sftp-key", SourceSpec>;
  close(): Promise<void>;
};

/**
 * Starts one server of every remote kind over the same folder (HTTP, HTTPS with Basic auth and a pinned
 * self-signed certificate, FTP, FTPS explicit and implicit, SFTP with password and with a private key), all on
 * 127.0.0.1. For tests that compare what the engine imports through each kind.
 */
export async function startEveryKind(root: string): Promise<EveryKind> {
  const user = "tester";
  const password = "test-pa55word";
  const key = makeClientKey();
  const [http, https, ftp, ftpes, ftps, sftp] = await Promise.all([
    startHttpServer({ root }),
    startHttpServer({ root, tls: true, auth: { user, password } }),
    startFtpServer({ root, user, password }),
    startFtpServer({ root, user, password, tls: "explicit" }),
    startFtpServer({ root, user, password, tls: "implicit" }),
    startSftpServer({ root, user, password, publicKey: key.publicKey }),
  ]);
  const base = { folderMode: "newest" as const, allowPrivateHosts: true };
  return {
    specs(relPath, extra = {}) {
      const p = relPath.replace(/^\/+/, "");
      const enc = p.split("/").map(encodeURIComponent).join("/").replace(/%2A/g, "*");
      return {
        http: { ...base, kind: "http", location: `${http.url}/${enc}`, ...extra },
        https: {
          ...base,
          kind: "https",
          location: `${https.url}/${enc}`,
          login: user,
          password,
          tlsFingerprint: https.fingerprint,
          ...extra,
        },
        ftp: { ...base, kind: "ftp", location: `${ftp.url}/${p}`, login: user, password, ...extra },
        ftpes: {
          ...base,
          kind: "ftpes",
          location: `${ftpes.url}/${p}`,
          login: user,
          password,
          tlsFingerprint: ftpes.fingerprint,
          ...extra,
        },
        ftps: {
          ...base,
          kind: "ftps",
          location: `${ftps.url}/${p}`,
          login: user,
          password,
          tlsFingerprint: ftps.fingerprint,
          ...extra,
        },
        sftp: {
          ...base,
          kind: "sftp",
          location: `${sftp.url}/${p}`,
          login: user,
          password,
          hostKeyFingerprint: sftp.hostKeyFingerprint,
          ...extra,
        },
        "sftp-key": {
          ...base,
          kind: "sftp",
          location: `${sftp.url}/${p}`,
          login: user,
          privateKey: key.privateKey,
          ...extra,
        },
      };
    },
    async close() {
      await Promise.all([http.close(), https.close(), ftp.close(), ftpes.close(), ftps.close(), sftp.close()]);
    },
  };
}
