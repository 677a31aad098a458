"use server";

import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { z } from "zod";
import { getDb, getSql } from "@/db/client";
import { authorizeCredentials, clientIp } from "@/lib/auth/credentials";
import type { ActionState } from "@/lib/auth/guard";
import { safeNextPath } from "@/lib/auth/next-path";
import { encodeSession, SESSION_MAX_AGE_SECONDS, sessionCookieName, sessionCookieOptions } from "@/lib/auth/session";
import { signinPath } from "@/lib/paths";

const signInSchema = z.object({
  email: z.string().trim().min(1, "Enter your email address.").max(320),
  password: z.string().min(1, "Enter your password.").max(1000),
  next: z.string().optional(),
});

/**
 * The sign-in page's action (public by nature). Same check as next-auth's Credentials provider
 * (authorizeCredentials: throttling, disabled accounts), then sets next-auth's session cookie.
 */
export async function signIn(_prev: ActionState, formData: FormData): Promise<ActionState> {
  const parsed = signInSchema.safeParse({
    email: formData.get("email") ?? "",
    password: formData.get("password") ?? "",
    next: formData.get("next") ?? undefined,
  });
  const email = String(formData.get("email") ?? "");
  if (!parsed.success) {
    return {
      code: "invalid",
      message: "Enter your email and password.",
      errors: z.flattenError(parsed.error).fieldErrors,
      values: { email },
    };
  }
  const result = await authorizeCredentials(getDb(), getSql(), {
    email: parsed.data.email,
    password: parsed.data.password,
    ip: clientIp(await headers()),
  });
  if (!result.ok) return { code: result.code, message: result.message, values: { email } };
  const jar = await cookies();
  jar.set(sessionCookieName(), await encodeSession(result.user), {
    ...sessionCookieOptions(),
    maxAge: SESSION_MAX_AGE_SECONDS,
  });
  redirect(safeNextPath(parsed.data.next));
}

/** Sign out: drop the session cookie. Harmless for anyone, so it needs no role. */
export async function signOut(): Promise<void> {
  const jar = await cookies();
  jar.delete({ name: sessionCookieName(), path: "/" });
  redirect(signinPath({ notice: "signed_out" }));
}
