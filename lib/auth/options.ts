import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { getDb, getSql } from "@/db/client";
import { env } from "@/lib/env";
import { authorizeCredentials, clientIp } from "@/lib/auth/credentials";
import {
  authSecret,
  passwordVersion,
  SESSION_MAX_AGE_SECONDS,
  sessionCookieName,
  sessionCookieOptions,
  useSecureCookies,
} from "@/lib/auth/session";

// next-auth v4 builds its callback URLs from NEXTAUTH_URL; our single setting for the public URL is APP_URL.
process.env.NEXTAUTH_URL ??= env.APP_URL;

/**
 * next-auth configuration: the Credentials provider (fields `email`, `password`) against the users table,
 * JWT sessions signed with AUTH_SECRET. The sign-in page posts to its own server action, which uses the same
 * authorizeCredentials(); the provider serves clients that use next-auth's endpoints
 * (/api/auth/csrf + /api/auth/callback/credentials).
 */
export function authOptions(): NextAuthOptions {
  return {
    secret: authSecret(),
    useSecureCookies: useSecureCookies(),
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    cookies: { sessionToken: { name: sessionCookieName(), options: sessionCookieOptions() } },
    pages: { signIn: "/signin", error: "/signin", signOut: "/signin" },
    providers: [
      CredentialsProvider({
        name: "Email and password",
        credentials: {
          email: { label: "Email", type: "email" },
          password: { label: "Password", type: "password" },
        },
        async authorize(credentials, req) {
          const result = await authorizeCredentials(getDb(), getSql(), {
            email: String(credentials?.email ?? ""),
            password: String(credentials?.password ?? ""),
            ip: clientIp((req?.headers ?? {}) as Record<string, string>),
          });
          // A thrown error reaches the sign-in page as ?error=<code>; the page maps codes to fixed messages.
          if (!result.ok) throw new Error(result.code);
          return {
            id: result.user.id,
            email: result.user.email,
            name: result.user.name,
            pv: passwordVersion(result.user.passwordHash),
          };
        },
      }),
    ],
    callbacks: {
      async jwt({ token, user }) {
        if (user) {
          token.sub = user.id;
          token.pv = (user as { pv?: string }).pv;
        }
        return token;
      },
      async session({ session, token }) {
        // Only the id and email leave the token (/api/auth/session); role and state are re-read by the guard.
        return { ...session, user: { id: token.sub, email: token.email ?? null } } as typeof session;
      },
    },
  };
}
