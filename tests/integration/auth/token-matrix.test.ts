import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { apiTokens, type Role } from "@/db/schema";
import { createApiToken } from "@/lib/auth/api-tokens";
import { setSessionReaderForTests } from "@/lib/auth/current-user";
import { hasRole } from "@/lib/auth/roles";
import { useDb } from "@/tests/support/db";
import { endpoints } from "@/tests/integration/auth/endpoints";
import { actAs, createTestUser, useBearer } from "@/tests/integration/auth/helpers";

/**
 * The authorization matrix again, for every route handler, through API tokens instead of a session: a valid
 * token of a role reaches exactly what a session of that role reaches; a wrong, revoked or expired token is
 * 401 even when a valid session cookie comes with it. Server actions never read the token (they are not in
 * this matrix: the same actions with the token and no session answer "unauthenticated", checked below).
 */
const { db } = useDb();
afterEach(() => {
  setSessionReaderForTests(null);
  useBearer(null);
});

const routes = endpoints.filter((e) => /^(GET|POST|PATCH|PUT|DELETE) \//.test(e.name));
const roles: Role[] = ["viewer", "editor", "admin"];
const states = ["valid", "wrong", "revoked", "expired"] as const;

async function tokenFor(role: Role, state: (typeof states)[number]) {
  const user = await createTestUser(db, role);
  const made = await createApiToken(db, { name: `matrix ${role}`, role, userId: user.id, creator: null });
  if (state === "revoked") await db.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.id, made.id));
  if (state === "expired")
    await db
      .update(apiTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(apiTokens.id, made.id));
  const token = state === "wrong" ? `cs_${"A".repeat(43)}` : made.token;
  return { user, token };
}

describe.each(routes)("$name with a token (needs $minRole)", ({ minRole, call }) => {
  it.each(roles.flatMap((r) => states.map((s) => [r, s] as const)))("%s token, %s", async (role, state) => {
    const { user, token } = await tokenFor(role, state);
    // A session of another, higher role rides along: only the token may count.
    const other = await createTestUser(db, "admin");
    actAs(state === "valid" ? null : other);
    useBearer(token);
    const outcome = await call({ db, actor: user });
    const expected = state !== "valid" ? "unauthenticated" : hasRole(role, minRole) ? "ok" : "forbidden";
    expect(outcome.result, outcome.detail).toBe(expected);
  });
});

describe("a token never reaches above its user's current role", () => {
  it("an admin token of a user demoted to viewer acts as a viewer", async () => {
    const route = routes.find((r) => r.minRole === "editor")!;
    const { user, token } = await tokenFor("admin", "valid");
    const { users } = await import("@/db/schema");
    await db.update(users).set({ role: "viewer" }).where(eq(users.id, user.id));
    actAs(null);
    useBearer(token);
    expect((await route.call({ db, actor: user })).result).toBe("forbidden");
  });

  it("server actions ignore the token: no session, no access", async () => {
    const action = endpoints.find((e) => e.name === "action createManager")!;
    const { user, token } = await tokenFor("admin", "valid");
    actAs(null);
    useBearer(token);
    expect((await action.call({ db, actor: user })).result).toBe("unauthenticated");
  });
});
