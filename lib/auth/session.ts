import { createHash } from "node:crypto";
import { encode } from "next-auth/jwt";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";

/** Sessions last a working day; the guard re-reads the user on every request anyway. */
export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

export function authSecret(): string {
  const secret = env.AUTH_SECRET;
  if (!secret) {
    throw new AppError(
      "auth_not_configured",
      "AUTH_SECRET is not set. Start the app with `npm start` or set AUTH_SECRET.",
    );
  }
  return secret;
}

export function useSecureCookies(): boolean {
  return env.APP_URL.startsWith("https://");
}

/** next-auth's own cookie name, so getServerSession and the next-auth routes read what the sign-in page writes. */
export function sessionCookieName(): string {
  return `${useSecureCookies() ? "__Secure-" : ""}next-auth.session-token`;
}

export function sessionCookieOptions() {
  return { httpOnly: true, sameSite: "lax" as const, path: "/", secure: useSecureCookies() };
}

/**
 * A short fingerprint of the password hash, kept in the session token: changing a password ends every other
 * session of that user, because the guard compares it with the current hash.
 */
export function passwordVersion(passwordHash: string): string {
  return createHash("sha256").update(passwordHash).digest("base64url").slice(0, 16);
}

/** The encrypted next-auth JWT for a user (what the next-auth callback would set). */
export async function encodeSession(user: { id: string; email: string; passwordHash: string }): Promise<string> {
  return encode({
    token: { sub: user.id, email: user.email, pv: passwordVersion(user.passwordHash) },
    secret: authSecret(),
    maxAge: SESSION_MAX_AGE_SECONDS,
  });
}
