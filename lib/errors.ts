/**
 * An error that is safe to show: a stable code, an HTTP status and a message written for staff.
 * Anything else is an internal error: logged, and shown only as a generic message.
 */
export class AppError extends Error {
  constructor(
    public readonly code: string,
    message: string,
    public readonly status = 400,
    public readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "AppError";
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** The message staff may see for any error. */
export function safeMessage(e: unknown): string {
  return isAppError(e) ? e.message : "An unexpected error occurred. It has been logged.";
}

/** JSON error body of the HTTP API: {"error": {"code", "message"}}. */
export function errorResponse(e: unknown): Response {
  if (isAppError(e)) return Response.json({ error: { code: e.code, message: e.message } }, { status: e.status });
  console.error(e);
  return Response.json({ error: { code: "internal", message: safeMessage(e) } }, { status: 500 });
}

/**
 * The constraint a unique violation (Postgres 23505) broke, as postgres.js throws it or drizzle wraps it ("" when
 * the server named none); null for any other error.
 */
export function violatedUniqueConstraint(e: unknown): string | null {
  const err = e as { code?: string; constraint_name?: string; cause?: { code?: string; constraint_name?: string } } | null;
  const code = err?.code ?? err?.cause?.code;
  if (code !== "23505") return null;
  return err?.constraint_name ?? err?.cause?.constraint_name ?? "";
}
