import { AppError, httpStatusOf } from "@/lib/errors";

/** The codes a source failure may have (all listed, with their HTTP status, in lib/errors.ts). */
export type SourceErrorCode =
  | "bad_location"
  | "blocked_host"
  | "connect_failed"
  | "timeout"
  | "auth_failed"
  | "not_found"
  | "tls_untrusted"
  | "tls_fingerprint_mismatch"
  | "host_key_mismatch"
  | "truncated"
  | "protocol_error"
  | "aborted";

/** A source failure staff can act on. Messages never contain passwords or keys. */
export class SourceError extends AppError {
  constructor(
    public readonly code: SourceErrorCode,
    message: string,
    details?: Record<string, unknown>,
  ) {
    // A file missing on the remote server is that server's answer (502), not an unknown id of this app (404).
    super(code, message, code === "not_found" ? 502 : httpStatusOf(code), details);
    this.name = "SourceError";
  }
}

export function isSourceError(e: unknown): e is SourceError {
  return e instanceof SourceError;
}

/** Finds a SourceError anywhere in an error's cause chain (basic-ftp and stream pipelines wrap errors). */
export function findSourceError(e: unknown): SourceError | undefined {
  for (let cur = e, depth = 0; cur && depth < 8; depth++) {
    if (cur instanceof SourceError) return cur;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Removes any secret that a server might have echoed back into a message. */
export function redact(message: string, secrets: (string | undefined | null)[]): string {
  let out = message;
  for (const s of secrets) if (s && s.length >= 3) out = out.split(s).join("***");
  return out;
}

/** Maps a low-level network error (errno codes) to a SourceError with a message for staff. */
export function networkError(e: unknown, where: string, secrets: (string | undefined | null)[] = []): SourceError {
  const found = findSourceError(e);
  if (found) return found;
  const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = err?.code ?? err?.cause?.code;
  const raw = redact(String(err?.message ?? e), secrets);
  switch (code) {
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new SourceError(
        "connect_failed",
        `${where}: the host name could not be resolved. Check the spelling of the host.`,
      );
    case "ECONNREFUSED":
      return new SourceError(
        "connect_failed",
        `${where}: the server refused the connection. Check the host and port, and that the server is running.`,
      );
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return new SourceError(
        "connect_failed",
        `${where}: the server cannot be reached from here (network unreachable).`,
      );
    case "ECONNRESET":
    case "EPIPE":
    case "ERR_STREAM_PREMATURE_CLOSE":
      return new SourceError("connect_failed", `${where}: the server closed the connection unexpectedly.`);
    case "ETIMEDOUT":
      return new SourceError("timeout", `${where}: the server did not answer in time.`);
    case "ABORT_ERR":
      return new SourceError("aborted", `${where}: the transfer was cancelled.`);
    default:
      if (/timeout|timed out/i.test(raw))
        return new SourceError("timeout", `${where}: the server did not answer in time.`);
      return new SourceError("protocol_error", `${where}: ${raw}`);
  }
}
