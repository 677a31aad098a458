import net from "node:net";
import type { ConnectionOptions, TLSSocket } from "node:tls";
import { SourceError } from "@/lib/sources/errors";

/**
 * TLS policy for HTTPS and FTPS: the certificate must be valid for the host under the system CAs (Node adds
 * NODE_EXTRA_CA_CERTS itself), or its leaf SHA-256 fingerprint must equal the pinned one. Sockets are opened
 * with rejectUnauthorized:false so a self-signed certificate reaches `verifyTlsPeer`, which runs right after
 * the handshake and before any credential or request is written; a failing check destroys the socket.
 * A pin is strict: when set, a different certificate fails even if a CA vouches for it.
 */
export function tlsOptionsFor(host: string): ConnectionOptions {
  return {
    ...(net.isIP(host) ? {} : { servername: host }),
    rejectUnauthorized: false,
    minVersion: "TLSv1.2",
  };
}

/** "ab:cd…", "ABCD…", "SHA256:AB:CD…" → "ABCD…" (64 hex digits) or null when it is not a SHA-256 fingerprint. */
export function normalizeCertFingerprint(fp: string): string | null {
  const hex = fp
    .trim()
    .replace(/^sha-?256[:=]?\s*/i, "")
    .replace(/[:\s-]/g, "")
    .toUpperCase();
  return /^[0-9A-F]{64}$/.test(hex) ? hex : null;
}

export function formatCertFingerprint(hex: string): string {
  return hex.match(/../g)!.join(":");
}

/** Checks a connected TLS socket; returns the leaf fingerprint ("AB:CD:…") or throws tls_untrusted / tls_fingerprint_mismatch. */
export function verifyTlsPeer(socket: TLSSocket, pin: string | null | undefined, host: string): string {
  const cert = socket.getPeerCertificate();
  if (!cert?.fingerprint256) {
    throw new SourceError("tls_untrusted", `${host} did not present a TLS certificate.`);
  }
  const seen = cert.fingerprint256.toUpperCase();
  if (pin) {
    const want = normalizeCertFingerprint(pin);
    if (!want)
      throw new SourceError(
        "bad_location",
        "The pinned certificate fingerprint is not a SHA-256 fingerprint (64 hex digits, e.g. AB:CD:…).",
      );
    if (want !== seen.replace(/:/g, "")) {
      throw new SourceError(
        "tls_fingerprint_mismatch",
        `The TLS certificate of ${host} has changed: it is ${seen}, not the pinned ${formatCertFingerprint(want)}. ` +
          "If the server's certificate was renewed on purpose, pin the new fingerprint; otherwise someone may be intercepting the connection.",
        { fingerprint: seen },
      );
    }
    return seen;
  }
  if (!socket.authorized) {
    const reason = String(socket.authorizationError ?? "unknown reason");
    throw new SourceError(
      "tls_untrusted",
      `The TLS certificate of ${host} is not trusted (${reason}). If you know this server uses it, pin its SHA-256 fingerprint ${seen}.`,
      { fingerprint: seen, reason },
    );
  }
  return seen;
}
