import { logger } from "@/lib/log";

/**
 * Every error code the app gives out, by the HTTP status it answers with: the one error → HTTP mapping. Codes
 * are stable (the API, the CLI's --json and the pages' action states show them); add a new one here.
 */
const codesByStatus = {
  /** the request or the file cannot be used as it is */
  400: [
    "archive_encrypted",
    "archive_invalid",
    "bad_location",
    "bad_url",
    "blocked_host",
    "column_missing",
    "empty_file",
    "field_missing",
    "file_too_large",
    "invalid_body",
    "invalid_count",
    "invalid_cursor",
    "invalid_date",
    "invalid_delimiter",
    "invalid_email",
    "invalid_encoding",
    "invalid_expiry",
    "invalid_field",
    "invalid_header",
    "invalid_json",
    "invalid_name",
    "invalid_query",
    "invalid_request",
    "invalid_rrule",
    "invalid_schedule",
    "invalid_schedule_pattern",
    "invalid_schedule_start",
    "invalid_source",
    "invalid_step",
    "invalid_time_zone",
    "key_missing",
    "mapping_invalid",
    "mapping_missing",
    "not_ready",
    "not_remote",
    "not_upload",
    "not_schedulable",
    "not_text",
    "record_too_large",
    "role_too_high",
    "rule_field_missing",
    "rule_invalid",
    "schedule_ended",
    "schedule_missing",
    "schedule_not_allowed",
    "source_missing",
    "too_many_columns",
    "too_many_rows",
    "unclosed_quote",
    "unknown_manager",
    "unknown_sync",
    "upload_empty",
    "upload_interrupted",
    "upload_malformed",
    "user_not_found",
    "user_required",
    "weak_password",
    "wrong_password",
    "zip_member_ambiguous",
    "zip_member_missing",
    "zip_member_needed",
  ],
  /** no valid sign-in or API token */
  401: ["invalid_token", "token_expired", "token_revoked", "unauthenticated"],
  /** the role does not allow it */
  403: ["forbidden"],
  /** no such thing (or not this user's to see) */
  404: ["not_found"],
  /** wrong HTTP method */
  405: ["method_not_allowed"],
  /** refused by the current state (another run, a newer edit, a last admin…) */
  409: [
    "already_approved",
    "already_reverted",
    "duplicate_field",
    "duplicate_name",
    "edit_conflict",
    "email_taken",
    "key_field_changed",
    "key_locked",
    "last_admin",
    "not_blocked",
    "not_revertible",
    "nothing_to_revert",
    "revert_conflict",
    "run_active",
    "run_not_queued",
    "self_disable",
    "stale_approval",
  ],
  /** too large to accept */
  413: ["body_too_large", "upload_too_large"],
  /** too many attempts: wait */
  429: ["too_many_attempts"],
  /** the server's own set-up or data is broken */
  500: [
    "auth_not_configured",
    "config",
    "copy_refused",
    "encryption_key_invalid",
    "encryption_key_missing",
    "internal",
    "secret_corrupt",
    "secret_key_unknown",
    "secret_tampered",
    "staging_failed",
    "staging_timeout",
  ],
  /** a remote source failed */
  502: [
    "aborted",
    "auth_failed",
    "connect_failed",
    "host_key_mismatch",
    "protocol_error",
    "timeout",
    "tls_fingerprint_mismatch",
    "tls_untrusted",
    "truncated",
  ],
  /** gave up in time; try again */
  503: ["search_timeout"],
} as const;

export type ErrorCode = (typeof codesByStatus)[keyof typeof codesByStatus][number];

const statusByCode = new Map<string, number>(
  Object.entries(codesByStatus).flatMap(([status, codes]) => codes.map((code) => [code, Number(status)] as const)),
);

/** The HTTP status an error code answers with. */
export function httpStatusOf(code: ErrorCode): number {
  return statusByCode.get(code) ?? 500;
}

/**
 * An error that is safe to show: a stable code, an HTTP status (from its code unless a caller has a reason to
 * differ) and a message written for staff. Anything else is an internal error: logged, and shown only as a
 * generic message.
 */
export class AppError extends Error {
  constructor(
    public readonly code: ErrorCode,
    message: string,
    public readonly status = httpStatusOf(code),
    public readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "AppError";
  }
}

/** The things an id names. */
const things = { import: "import", manager: "Contact Manager", run: "run", user: "user", token: "token" } as const;
export type Thing = keyof typeof things;

/** An id that names nothing this user may see: "Import not found." */
export function notFound(thing: Thing): AppError {
  const label = things[thing];
  return new AppError("not_found", `${label[0].toUpperCase()}${label.slice(1)} not found.`);
}

/** Something the page showed that is gone since: "This import no longer exists." */
export function gone(thing: Thing): AppError {
  return new AppError("not_found", `This ${things[thing]} no longer exists.`);
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** The message staff may see for any error. */
export function safeMessage(e: unknown): string {
  return isAppError(e) ? e.message : "An unexpected error occurred. It has been logged.";
}

/** JSON error body of the HTTP API: {"error": {"code", "message"}}, with the status of its code; anything else is logged. */
export function errorResponse(e: unknown): Response {
  if (isAppError(e)) {
    const headers: Record<string, string> = {};
    const retryAfter = e.details?.retryAfterSeconds;
    if (typeof retryAfter === "number") headers["Retry-After"] = String(retryAfter);
    return Response.json({ error: { code: e.code, message: e.message } }, { status: e.status, headers });
  }
  logger.error("request failed", { error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  return Response.json({ error: { code: "internal", message: safeMessage(e) } }, { status: 500 });
}

/**
 * The constraint a unique violation (Postgres 23505) broke, as postgres.js throws it or drizzle wraps it ("" when
 * the server named none); null for any other error.
 */
export function violatedUniqueConstraint(e: unknown): string | null {
  const err = e as {
    code?: string;
    constraint_name?: string;
    cause?: { code?: string; constraint_name?: string };
  } | null;
  const code = err?.code ?? err?.cause?.code;
  if (code !== "23505") return null;
  return err?.constraint_name ?? err?.cause?.constraint_name ?? "";
}
