import { afterEach, describe, expect, it } from "vitest";
import { decode } from "next-auth/jwt";
import { reloadEnv } from "@/lib/env";
import { encodeSession, passwordVersion, sessionCookieName, sessionCookieOptions } from "@/lib/auth/session";

const saved = { APP_URL: process.env.APP_URL, AUTH_SECRET: process.env.AUTH_SECRET };
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  reloadEnv();
});

describe("session cookie", () => {
  it("is httpOnly and SameSite=Lax, and secure (with next-auth's __Secure- name) when APP_URL is https", () => {
    process.env.APP_URL = "http://127.0.0.1:3000";
    reloadEnv();
    expect(sessionCookieName()).toBe("next-auth.session-token");
    expect(sessionCookieOptions()).toEqual({ httpOnly: true, sameSite: "lax", path: "/", secure: false });
    process.env.APP_URL = "https://contacts.example.org";
    reloadEnv();
    expect(sessionCookieName()).toBe("__Secure-next-auth.session-token");
    expect(sessionCookieOptions().secure).toBe(true);
  });

  it("is a next-auth JWT under AUTH_SECRET carrying the user id and password version only", async () => {
    process.env.AUTH_SECRET = "x".repeat(40);
    reloadEnv();
    const user = {
      id: "6f1c5d1e-0000-4000-8000-000000000001",
      email: "a@example.test",
      passwordHash: "scrypt$1$2$3$salt$hash",
    };
    const token = await encodeSession(user);
    const claims = await decode({ token, secret: "x".repeat(40) });
    expect(claims?.sub).toBe(user.id);
    expect(claims?.pv).toBe(passwordVersion(user.passwordHash));
    expect(JSON.stringify(claims)).not.toContain("scrypt");
    expect(await decode({ token, secret: "y".repeat(40) }).catch(() => null)).toBeNull();
  });
});
