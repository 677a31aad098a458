import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { apiTokens, auditLog } from "@/db/schema";
import { createApiToken, hashToken, TOKEN_PATTERN } from "@/lib/auth/api-tokens";
import { setSessionReaderForTests } from "@/lib/auth/current-user";
import { THROTTLE } from "@/lib/auth/throttle";
import * as managersRoute from "@/app/api/managers/route";
import * as tokensRoute from "@/app/api/tokens/route";
import * as tokenRoute from "@/app/api/tokens/[id]/route";
import { uniqueName, useDb } from "@/tests/support/db";
import { actAs, createTestUser } from "@/tests/integration/auth/helpers";
import { cli } from "@/tests/integration/cli/run-cli";

const { db, sql } = useDb();
afterEach(() => setSessionReaderForTests(null));

const base = "http://127.0.0.1:3000";
const ctx = <P extends Record<string, string>>(params: P = {} as P) => ({ params: Promise.resolve(params) });
const get = (token: string, ip?: string) =>
  managersRoute.GET(
    new Request(`${base}/api/managers`, {
      headers: { authorization: `Bearer ${token}`, ...(ip ? { "x-forwarded-for": ip } : {}) },
    }),
    ctx(),
  );

describe("API tokens", () => {
  it("POST /api/tokens shows the token once, stores only its SHA-256, and it works as Bearer", async () => {
    const admin = await createTestUser(db, "admin");
    actAs(admin);
    const res = await tokensRoute.POST(
      new Request(`${base}/api/tokens`, {
        method: "POST",
        body: JSON.stringify({ name: "CI", role: "viewer", expiresAt: "2099-01-31" }),
      }),
      ctx(),
    );
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.token).toMatch(TOKEN_PATTERN);
    expect(Buffer.from(body.token.slice(3), "base64url")).toHaveLength(32);
    expect(body).toMatchObject({ name: "CI", role: "viewer", userId: admin.id, expiresAt: "2099-02-01T00:00:00.000Z" });
    const [row] = await db.select().from(apiTokens).where(eq(apiTokens.id, body.id));
    expect(row.tokenHash).toBe(hashToken(body.token));
    expect(JSON.stringify(row)).not.toContain(body.token);

    actAs(null);
    expect((await get(body.token)).status).toBe(200);
    const list = await (
      await tokensRoute.GET(
        new Request(`${base}/api/tokens`, { headers: { authorization: `Bearer ${(await adminToken()).token}` } }),
        ctx(),
      )
    ).json();
    const listed = list.tokens.find((t: { id: string }) => t.id === body.id);
    expect(listed.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(list)).not.toContain(body.token);
    expect(list).toHaveProperty("nextCursor");
    expect(list).toHaveProperty("prevCursor");
    const [entry] = await db.select().from(auditLog).where(eq(auditLog.targetId, body.id));
    expect(entry).toMatchObject({ action: "token.create", userId: admin.id });
  });

  it("refuses a role above the creator's user and a past expiry", async () => {
    const admin = await createTestUser(db, "admin");
    const viewer = await createTestUser(db, "viewer");
    actAs(admin);
    const post = (body: unknown) =>
      tokensRoute.POST(new Request(`${base}/api/tokens`, { method: "POST", body: JSON.stringify(body) }), ctx());
    const high = await post({ name: "x", role: "editor", userId: viewer.id });
    expect(high.status).toBe(400);
    expect((await high.json()).error.code).toBe("role_too_high");
    const past = await post({ name: "x", role: "viewer", expiresAt: "2001-01-01" });
    expect((await past.json()).error.code).toBe("invalid_expiry");
    const bad = await post({ name: "", role: "boss" });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe("invalid_body");
  });

  it("DELETE /api/tokens/:id revokes at once, audited; the token is then 401", async () => {
    const { token, id, admin } = await adminToken();
    expect((await get(token)).status).toBe(200);
    actAs(admin);
    const res = await tokenRoute.DELETE(new Request(`${base}/api/tokens/${id}`, { method: "DELETE" }), ctx({ id }));
    expect(res.status).toBe(200);
    expect((await res.json()).revokedAt).not.toBeNull();
    actAs(null);
    const refused = await get(token);
    expect(refused.status).toBe(401);
    expect((await refused.json()).error.code).toBe("token_revoked");
    const entries = await db.select().from(auditLog).where(eq(auditLog.targetId, id));
    expect(entries.map((e) => e.action).sort()).toEqual(["token.create", "token.revoke"]);
  });

  it("changes made with a token are audited as its user, naming the token", async () => {
    const { token, id, admin } = await adminToken();
    const res = await tokensRoute.POST(
      new Request(`${base}/api/tokens`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ name: "made by token", role: "viewer" }),
      }),
      ctx(),
    );
    const made = await res.json();
    const [entry] = await db.select().from(auditLog).where(eq(auditLog.targetId, made.id));
    expect(entry.userId).toBe(admin.id);
    expect(entry.details).toMatchObject({ viaTokenId: id });
  });

  it("wrong tokens are throttled like sign-in: after the address's limit, 429 with Retry-After", async () => {
    const ip = `203.0.113.${Math.floor(Math.random() * 250)}-${uniqueName("ip")}`;
    for (let i = 0; i < THROTTLE.maxFailures.ip; i++) {
      const r = await get(`cs_${String(i).padStart(43, "x")}`, ip);
      expect(r.status).toBe(401);
    }
    const locked = await get(`cs_${"y".repeat(43)}`, ip);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await locked.json()).error.code).toBe("too_many_attempts");
    // A valid token from the same address still works: 256 random bits are not guessed, and one broken
    // script behind a shared address must not lock out the others.
    expect((await get((await adminToken()).token, ip)).status).toBe(200);
  });

  it("a malformed Authorization header is 401, not a fallback to the session", async () => {
    const admin = await createTestUser(db, "admin");
    actAs(admin);
    const res = await managersRoute.GET(
      new Request(`${base}/api/managers`, { headers: { authorization: "Basic Zm9vOmJhcg==" } }),
      ctx(),
    );
    expect(res.status).toBe(401);
    expect((await res.json()).error).toMatchObject({ code: "invalid_token" });
  });

  it("CLI token create prints the token once; token revoke ends it", async () => {
    const admin = await createTestUser(db, "admin");
    const made = await cli(
      "token",
      "create",
      "--name",
      "cli",
      "--role",
      "editor",
      "--expires",
      "2099-12-31",
      "--user",
      admin.email,
      "--json",
    );
    expect(made.code, made.stderr).toBe(0);
    const out = JSON.parse(made.stdout);
    expect(out).toMatchObject({ name: "cli", role: "editor", userId: admin.id, expiresAt: "2100-01-01T00:00:00.000Z" });
    expect(out.token).toMatch(TOKEN_PATTERN);
    expect((await get(out.token)).status).toBe(200);
    const bad = await cli("token", "create", "--name", "x", "--role", "boss", "--json");
    expect(bad.code).toBe(2);
    const revoked = await cli("token", "revoke", out.id, "--json");
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(JSON.parse(revoked.stdout).revokedAt).not.toBeNull();
    expect((await get(out.token)).status).toBe(401);
  });
});

async function adminToken() {
  const admin = await createTestUser(db, "admin");
  const made = await createApiToken(db, { name: "t", role: "admin", userId: admin.id, creator: null });
  return { token: made.token, id: made.id, admin };
}
void sql;
