import { randomUUID } from "node:crypto";
import { getRedirectError } from "next/dist/client/components/redirect";
import { RedirectStatusCode } from "next/dist/client/components/redirect-status-code";
import { forbidden, unstable_rethrow } from "next/navigation";
import { z } from "zod";
import { AppError, errorResponse, isAppError } from "@/lib/errors";
import { formDataToObject } from "@/lib/form-data";
import { logger } from "@/lib/log";
import { getDb, getSql } from "@/db/client";
import { userFromBearer } from "@/lib/auth/api-tokens";
import { clientIp } from "@/lib/auth/credentials";
import { getCurrentUser, type SessionUser } from "@/lib/auth/current-user";
import { hasRole, type Role } from "@/lib/auth/roles";

export { getCurrentUser, type SessionUser } from "@/lib/auth/current-user";

/**
 * The one access check for the whole app (docs/product-rules.md, "Who may do what"). Every page calls requireUser(), every server action is
 * built with authorizedAction(), every route handler with withApiAuth(). Roles: admin ⊃ editor ⊃ viewer.
 */

/** Pages and layouts: the signed-in user, or a redirect to /signin; the 403 page when the role is too low. */
export async function requireUser(minRole: Role = "viewer"): Promise<SessionUser> {
  const user = await getCurrentUser();
  // 303, not redirect()'s 307: after a no-JavaScript form post by a signed-out user, a 307 would make the
  // browser re-POST the form to /signin.
  if (!user) throw getRedirectError("/signin", "replace", RedirectStatusCode.SeeOther);
  if (!hasRole(user.role, minRole)) forbidden();
  return user;
}

/** What every server action returns to its form (useActionState). Never contains secrets. */
export type ActionState = {
  ok?: boolean;
  /** Stable outcome code: "unauthenticated", "forbidden", "invalid", or an AppError code. */
  code?: string;
  message?: string;
  errors?: Record<string, string[] | undefined>;
  /** The submitted values (minus passwords), so a form re-rendered without JavaScript keeps them. */
  values?: Record<string, string>;
  /** A secret shown once to the admin who just created it (an API token, a webhook secret); never stored here. */
  reveal?: string;
};

export const initialActionState: ActionState = {};

export const deniedMessages = {
  unauthenticated: "Your session has ended. Sign in again, then repeat the change.",
  forbidden: "Your role does not allow this change.",
} as const;

/** Form fields never sent back to the browser: passwords, passphrases, secrets, tokens, private keys. */
const SECRET_FIELD = /pass(word|phrase)?|secret|token|private.?key/i;

/** The submitted values to show again in a re-rendered form (no JavaScript), secrets left out. */
export function echoValues(formData: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of formData.entries()) {
    if (typeof value === "string" && !name.startsWith("$ACTION") && !SECRET_FIELD.test(name)) out[name] = value;
  }
  return out;
}

/**
 * Server actions: (prevState, formData) → ActionState. Checks the session and role itself (an action is a
 * public POST endpoint), parses the form with zod, turns AppErrors into messages and anything else into a
 * logged, generic message. A handler may redirect() on success (post/redirect/get; works without JavaScript).
 */
export function authorizedAction<S extends z.ZodType>(
  minRole: Role,
  schema: S,
  handler: (input: z.output<S>, user: SessionUser, formData: FormData) => Promise<ActionState | void>,
) {
  return async function action(_prev: ActionState | undefined, formData: FormData): Promise<ActionState> {
    const user = await getCurrentUser();
    if (!user) return { code: "unauthenticated", message: deniedMessages.unauthenticated };
    if (!hasRole(user.role, minRole)) {
      logger.warn("action refused: role too low", { userId: user.id, role: user.role, needs: minRole });
      return { code: "forbidden", message: deniedMessages.forbidden };
    }
    const parsed = schema.safeParse(formDataToObject(formData));
    if (!parsed.success) {
      return {
        code: "invalid",
        message: "Please correct the fields marked below.",
        errors: z.flattenError(parsed.error).fieldErrors as Record<string, string[]>,
        values: echoValues(formData),
      };
    }
    try {
      return (await handler(parsed.data, user, formData)) ?? { ok: true };
    } catch (e) {
      unstable_rethrow(e); // redirect() and friends are control flow, not failures
      if (isAppError(e)) return { code: e.code, message: e.message, values: echoValues(formData) };
      logger.error("action failed", { userId: user.id, err: e });
      return {
        code: "internal",
        message: "An unexpected error occurred. It has been logged.",
        values: echoValues(formData),
      };
    }
  };
}

export type ApiContext<P = Record<string, string | string[]>> = { params: Promise<P> };

/**
 * Route handlers: 401 {"error":{"code":"unauthenticated"}} without a session, 403 when the role is too low;
 * AppErrors become their JSON error; each request is logged with its status and duration.
 * A request with an Authorization header is judged by its API token alone (never by a cookie it also sends):
 * 401 for a wrong, revoked or expired token, 429 once too many wrong ones came from its address. Pages and
 * server actions never read the header, so a token opens only /api/ routes.
 */
export function withApiAuth<P = Record<string, string | string[]>>(
  minRole: Role,
  handler: (req: Request, ctx: ApiContext<P> & { user: SessionUser }) => Promise<Response>,
) {
  return async function route(req: Request, ctx: ApiContext<P>): Promise<Response> {
    const started = Date.now();
    const path = new URL(req.url).pathname;
    // One id per request on every line it logs; a proxy's X-Request-Id is kept (if it looks like an id).
    const given = req.headers.get("x-request-id");
    const requestId = given && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
    const log = logger.child({ requestId });
    let user: SessionUser | null = null;
    let res: Response;
    try {
      const authorization = req.headers.get("authorization");
      user =
        authorization !== null
          ? await userFromBearer(getDb(), getSql(), authorization, clientIp(req.headers))
          : await getCurrentUser();
      if (!user) throw new AppError("unauthenticated", "Sign in first.");
      if (!hasRole(user.role, minRole)) throw new AppError("forbidden", "Your role does not allow this.");
      res = await handler(req, { ...ctx, user });
    } catch (e) {
      unstable_rethrow(e);
      if (!isAppError(e)) log.error("request failed", { method: req.method, path, err: e });
      res = errorResponse(
        isAppError(e) ? e : new AppError("internal", "An unexpected error occurred. It has been logged."),
      );
    }
    try {
      res.headers.set("x-request-id", requestId);
    } catch {
      // a response with immutable headers (a redirect): the id stays in the log only
    }
    log.info("request", {
      method: req.method,
      path,
      status: res.status,
      ms: Date.now() - started,
      userId: user?.id,
      tokenId: user && "tokenId" in user ? user.tokenId : undefined,
    });
    return res;
  };
}
