import { eq } from "drizzle-orm";
import { cookies } from "next/headers";
import { cache } from "react";
import { decode } from "next-auth/jwt";
import { getDb } from "@/db/client";
import { users } from "@/db/schema";
import type { Role } from "@/lib/auth/roles";
import { authSecret, passwordVersion, sessionCookieName } from "@/lib/auth/session";
import { isUuid } from "@/lib/vocabulary";

export type SessionUser = { id: string; email: string; name: string; role: Role };

/** What the session cookie says: whose session it is, and the password version it was issued for. */
export type SessionClaim = { userId: string; pv?: string };
export type SessionReader = () => Promise<SessionClaim | null>;

/**
 * Decrypted session tokens, by token text, until they expire: decrypting derives the key anew (HKDF) each time,
 * a tenth of a millisecond on every request. Only the claim is kept; the user is still read on every request.
 */
const decodedTokens = new Map<string, { claim: SessionClaim; expiresAt: number }>();
const DECODED_TOKENS_MAX = 1000;

async function readSessionCookie(): Promise<SessionClaim | null> {
  const raw = (await cookies()).get(sessionCookieName())?.value;
  if (!raw) return null;
  const known = decodedTokens.get(raw);
  if (known && known.expiresAt > Date.now()) return known.claim;
  decodedTokens.delete(raw);
  const token = await decode({ token: raw, secret: authSecret() }).catch(() => null);
  if (!token?.sub) return null;
  const claim = { userId: token.sub, pv: typeof token.pv === "string" ? token.pv : undefined };
  if (typeof token.exp === "number") {
    if (decodedTokens.size >= DECODED_TOKENS_MAX) decodedTokens.delete(decodedTokens.keys().next().value!);
    decodedTokens.set(raw, { claim, expiresAt: token.exp * 1000 });
  }
  return claim;
}

let reader: SessionReader = readSessionCookie;

/**
 * Tests call actions and route handlers outside a Next request; they swap how the session is read (only the
 * claim — the user is still looked up in the real database). Pass null to restore the cookie reader.
 */
export function setSessionReaderForTests(next: SessionReader | null): void {
  if (process.env.NODE_ENV === "production") throw new Error("setSessionReaderForTests is for tests only");
  reader = next ?? readSessionCookie;
}

/**
 * The signed-in user, re-read from the database on every request (a primary-key lookup), so a role change,
 * a disabled account or a changed password takes effect at once, also for sessions issued earlier. Within
 * one server render the layout and the page share one lookup (React `cache`, scoped to that render; outside
 * a render — route handlers, actions, tests — every call reads again).
 */
export const getCurrentUser = cache(readCurrentUser);

async function readCurrentUser(): Promise<SessionUser | null> {
  const claim = await reader();
  if (!claim || !isUuid(claim.userId)) return null;
  // Prepared: postgres.js then sends it in one round trip (unprepared, drizzle's default, it describes first: two).
  const [user] = await getDb()
    .select()
    .from(users)
    .where(eq(users.id, claim.userId))
    .limit(1)
    .prepare("current_user")
    .execute();
  if (!user || user.disabledAt) return null;
  if (claim.pv !== passwordVersion(user.passwordHash)) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}
