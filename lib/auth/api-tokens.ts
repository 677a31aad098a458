import { createHash, randomBytes } from "node:crypto";
import { and, asc, desc, eq, isNull, sql } from "drizzle-orm";
import type { Db, Sql } from "@/db/client";
import { apiTokens, users, type ApiToken } from "@/db/schema";
import { newestFirstPage, type Page, type PageQuery } from "@/lib/api/paging";
import { audit, type AuditActor } from "@/lib/audit";
import { AppError, type ErrorCode, notFound } from "@/lib/errors";
import { logger } from "@/lib/log";
import type { SessionUser } from "@/lib/auth/current-user";
import { hasRole, type Role } from "@/lib/auth/roles";
import { expiryOf, type TokenCreateInput } from "@/lib/auth/token-schema";
import { ipKey, lockIfOverLimit, minutesLeft, takeAttempt } from "@/lib/auth/throttle";

/**
 * API tokens: "cs_" + 32 random bytes in base64url, shown once, stored only as their SHA-256. A token acts as
 * its user with the lower of its own role and the user's current role, so a demoted or disabled user's
 * tokens lose their power at once, and a token never reaches what a session of its role cannot.
 */
export const TOKEN_PATTERN = /^cs_[A-Za-z0-9_-]{43}$/;
/** last_used_at is written at most this often per token (not on every request). */
const LAST_USE_RESOLUTION_MS = 60_000;

export type TokenUser = SessionUser & { tokenId: string };

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function generateToken(): string {
  return `cs_${randomBytes(32).toString("base64url")}`;
}

/** What a token looks like in lists and answers: never the token or its hash. */
export type TokenView = {
  id: string;
  name: string;
  role: Role;
  userId: string;
  userEmail: string;
  prefix: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
};

function view(t: ApiToken, userEmail: string): TokenView {
  return {
    id: t.id,
    name: t.name,
    role: t.role,
    userId: t.userId,
    userEmail,
    prefix: t.prefix,
    expiresAt: t.expiresAt?.toISOString() ?? null,
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
    createdAt: t.createdAt.toISOString(),
  };
}

/** The admin creating a token; null for the CLI (an operator on the server), which must name the user. */
type TokenCreator = (NonNullable<AuditActor> & { role: Role }) | null;

/**
 * Create a token for `userId` (default: the creating admin). Its role may be neither above the creator's nor
 * above its user's. Returns the token text once, with its view.
 */
export async function createApiToken(
  db: Db,
  input: {
    name: string;
    role: Role;
    expiresAt?: Date | null;
    userId?: string | null;
    creator: TokenCreator;
  },
): Promise<TokenView & { token: string }> {
  if (input.creator && !hasRole(input.creator.role, input.role))
    throw new AppError("role_too_high", "A token's role cannot be above your own.");
  const ownerId = input.userId ?? input.creator?.id;
  if (!ownerId) throw new AppError("user_required", "Name the user the token acts as.");
  const [owner] = await db.select().from(users).where(eq(users.id, ownerId));
  if (!owner || owner.disabledAt)
    throw new AppError("user_not_found", "The token's user was not found or is disabled.");
  if (!hasRole(owner.role, input.role))
    throw new AppError("role_too_high", `The token's role cannot be above its user's role (${owner.role}).`);
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now())
    throw new AppError("invalid_expiry", "The expiry date must be in the future.");
  const token = generateToken();
  const [row] = await db
    .insert(apiTokens)
    .values({
      name: input.name,
      role: input.role,
      userId: owner.id,
      createdBy: input.creator?.id ?? null,
      tokenHash: hashToken(token),
      prefix: token.slice(0, 7),
      expiresAt: input.expiresAt ?? null,
    })
    .returning();
  await audit(db, {
    user: input.creator,
    action: "token.create",
    targetType: "api_token",
    targetId: row.id,
    details: {
      name: row.name,
      role: row.role,
      userId: owner.id,
      expiresAt: row.expiresAt?.toISOString() ?? null,
      ...(input.creator ? {} : { via: "cli" }),
    },
  });
  return { ...view(row, owner.email), token };
}

/** Create a token from the one "create an API token" input (POST /api/tokens, the admin page's form, `token create`). */
export function createApiTokenFrom(
  db: Db,
  input: TokenCreateInput,
  creator: TokenCreator,
): Promise<TokenView & { token: string }> {
  return createApiToken(db, {
    name: input.name,
    role: input.role,
    expiresAt: expiryOf(input.expiresAt),
    userId: input.userId,
    creator,
  });
}

/** Every token, newest first, a page at a time (revoked ones included, marked). */
export async function listApiTokens(db: Db, q: PageQuery = {}): Promise<Page<TokenView>> {
  const page = await newestFirstPage(q, { time: apiTokens.createdAt, id: apiTokens.id }, (where, order, limit) =>
    db
      .select({ t: apiTokens, email: users.email, _t: sql<string>`${apiTokens.createdAt}::text`, _id: apiTokens.id })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.userId))
      .where(where)
      .orderBy(
        ...(order === "desc"
          ? [desc(apiTokens.createdAt), desc(apiTokens.id)]
          : [asc(apiTokens.createdAt), asc(apiTokens.id)]),
      )
      .limit(limit),
  );
  return { ...page, rows: page.rows.map((r) => view(r.t, r.email)) };
}

/** Revoke a token (idempotent: revoking a revoked token answers it as it is). 404 for an unknown id. */
export async function revokeApiToken(db: Db, id: string, actor: AuditActor): Promise<TokenView> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound("token");
  const [revoked] = await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
    .returning();
  const [row] = await db
    .select({ t: apiTokens, email: users.email })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(apiTokens.id, id));
  if (!row) throw notFound("token");
  if (revoked)
    await audit(db, {
      user: actor,
      action: "token.revoke",
      targetType: "api_token",
      targetId: id,
      details: { name: row.t.name },
    });
  return view(row.t, row.email);
}

type Refusal = { code: ErrorCode; message: string; throttleKey?: string };

/**
 * The user a Bearer token acts as, or an AppError: 401 for a wrong, revoked or expired token (or a disabled
 * user), 429 once the address (or the token) has failed as often as sign-in allows.
 */
export async function userFromBearer(
  db: Db,
  pg: Sql,
  header: string,
  ip: string | null,
  now = new Date(),
): Promise<TokenUser> {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  const raw = m?.[1] ?? "";
  let refusal: Refusal | null = null;
  let found: { t: ApiToken; u: typeof users.$inferSelect } | undefined;
  if (!m) refusal = { code: "invalid_token", message: "Send the API token as `Authorization: Bearer cs_…`." };
  else if (!TOKEN_PATTERN.test(raw)) refusal = { code: "invalid_token", message: "This API token is not valid." };
  else {
    [found] = await db
      .select({ t: apiTokens, u: users })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.userId))
      .where(eq(apiTokens.tokenHash, hashToken(raw)))
      .limit(1);
    const key = found ? `token:${found.t.id}` : undefined;
    if (!found) refusal = { code: "invalid_token", message: "This API token is not valid." };
    else if (found.t.revokedAt)
      refusal = { code: "token_revoked", message: "This API token was revoked.", throttleKey: key };
    else if (found.t.expiresAt && found.t.expiresAt <= now)
      refusal = { code: "token_expired", message: "This API token has expired.", throttleKey: key };
    else if (found.u.disabledAt)
      refusal = { code: "invalid_token", message: "This API token's user is disabled.", throttleKey: key };
  }
  if (refusal || !found) {
    const r = refusal ?? { code: "invalid_token", message: "This API token is not valid." };
    const keys = [...(ip ? [ipKey(ip)] : []), ...(r.throttleKey ? [r.throttleKey] : [])];
    if (keys.length) {
      const locked = await takeAttempt(pg, keys, now);
      await lockIfOverLimit(pg, keys, now);
      if (locked) {
        logger.warn("API token refused: throttled", { ip: ip ?? undefined });
        throw new AppError(
          "too_many_attempts",
          `Too many requests with a wrong API token. Try again in ${minutesLeft(locked, now)} minutes.`,
          429,
          { retryAfterSeconds: Math.ceil((locked.getTime() - now.getTime()) / 1000) },
        );
      }
    }
    logger.info("API token refused", { code: r.code, ip: ip ?? undefined });
    throw new AppError(r.code, r.message, 401);
  }
  const { t, u } = found;
  if (!t.lastUsedAt || now.getTime() - t.lastUsedAt.getTime() > LAST_USE_RESOLUTION_MS) {
    await db
      .update(apiTokens)
      .set({ lastUsedAt: now, lastUsedIp: ip })
      .where(eq(apiTokens.id, t.id))
      .catch((e) => logger.warn("could not record token use", { tokenId: t.id, err: e }));
  }
  const role: Role = hasRole(u.role, t.role) ? t.role : u.role;
  return { id: u.id, email: u.email, name: u.name, role, tokenId: t.id };
}
