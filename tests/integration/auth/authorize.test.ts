import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { users } from "@/db/schema";
import { authorizeCredentials } from "@/lib/auth/credentials";
import { getCurrentUser, setSessionReaderForTests } from "@/lib/auth/current-user";
import { hashContactPassword, needsRehash } from "@/lib/auth/passwords";
import { THROTTLE } from "@/lib/auth/throttle";
import { changeOwnPassword } from "@/lib/auth/users";
import { uniqueName, useDb } from "@/tests/support/db";
import { actAs, createTestUser, reloadUser } from "@/tests/integration/auth/helpers";

const { db, sql } = useDb();
afterEach(() => setSessionReaderForTests(null));

function ip(): string {
  return `198.51.100.${Math.floor(Math.random() * 250)}-${uniqueName("t")}`; // unique per test: no shared IP counts
}

describe("authorizeCredentials", () => {
  it("accepts the right password, case-insensitively on the email", async () => {
    const u = await createTestUser(db, "editor");
    const r = await authorizeCredentials(db, sql, { email: u.email.toUpperCase(), password: u.password, ip: ip() });
    expect(r.ok && r.user.id).toBe(u.id);
  });

  it("refuses a wrong password and an unknown email with the same message", async () => {
    const u = await createTestUser(db, "viewer");
    const wrong = await authorizeCredentials(db, sql, { email: u.email, password: "nope-nope-nope", ip: ip() });
    const unknown = await authorizeCredentials(db, sql, {
      email: `${uniqueName("ghost")}@example.test`,
      password: "whatever",
      ip: ip(),
    });
    expect(wrong).toEqual({ ok: false, code: "invalid", message: "Wrong email or password." });
    expect(unknown).toEqual(wrong);
  });

  it("refuses a disabled user even with the right password", async () => {
    const u = await createTestUser(db, "admin", { disabled: true });
    const r = await authorizeCredentials(db, sql, { email: u.email, password: u.password, ip: ip() });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.code).toBe("disabled");
  });

  it("locks an email after 5 failures, then refuses even the right password", async () => {
    const u = await createTestUser(db, "editor");
    for (let i = 0; i < THROTTLE.maxFailures.email; i++) {
      const r = await authorizeCredentials(db, sql, { email: u.email, password: `bad-${i}`, ip: ip() });
      expect(!r.ok && r.code).toBe("invalid");
    }
    const locked = await authorizeCredentials(db, sql, { email: u.email, password: u.password, ip: ip() });
    expect(locked.ok).toBe(false);
    expect(!locked.ok && locked.code).toBe("locked");
    expect(!locked.ok && locked.message).toMatch(/locked for 15 minutes/);
    // After the lock has expired the right password works again, and the count starts over.
    await sql`update sign_in_throttle set locked_until = now() - interval '1 second', window_start = now() - interval '1 hour' where key = ${"email:" + u.email.toLowerCase()}`;
    const ok = await authorizeCredentials(db, sql, { email: u.email, password: u.password, ip: ip() });
    expect(ok.ok).toBe(true);
    const rows = await sql`select 1 from sign_in_throttle where key = ${"email:" + u.email.toLowerCase()}`;
    expect(rows.length).toBe(0);
  });

  it("locks an address after many failures across emails", async () => {
    const addr = ip();
    for (let i = 0; i < THROTTLE.maxFailures.ip; i++) {
      await authorizeCredentials(db, sql, { email: `${uniqueName("spray")}@example.test`, password: "x", ip: addr });
    }
    const u = await createTestUser(db, "viewer");
    const r = await authorizeCredentials(db, sql, { email: u.email, password: u.password, ip: addr });
    expect(!r.ok && r.code).toBe("locked");
    const elsewhere = await authorizeCredentials(db, sql, { email: u.email, password: u.password, ip: ip() });
    expect(elsewhere.ok).toBe(true);
  });

  it("counts every spelling that finds the account against the account: a locked account stays locked", async () => {
    const u = await createTestUser(db, "editor"); // editor-…@example.test has an "i"
    for (let i = 0; i < THROTTLE.maxFailures.email; i++)
      await authorizeCredentials(db, sql, { email: u.email, password: `bad-${i}`, ip: ip() });
    // "İ" (U+0130): Postgres' lower() makes it "i" and finds the account; JavaScript's makes it "i̇", another key.
    const variant = u.email.replace("i", "\u0130");
    const r = await authorizeCredentials(db, sql, { email: variant, password: u.password, ip: ip() });
    expect(!r.ok && r.code).toBe("locked");
  });

  it("checks no more parallel guesses than the limit", async () => {
    const u = await createTestUser(db, "viewer");
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        authorizeCredentials(db, sql, { email: u.email, password: `wrong-${i}`, ip: ip() }),
      ),
    );
    expect(results.filter((r) => !r.ok && r.code === "invalid").length).toBeLessThanOrEqual(THROTTLE.maxFailures.email);
    expect(results.filter((r) => !r.ok && r.code === "locked").length).toBeGreaterThanOrEqual(
      20 - THROTTLE.maxFailures.email,
    );
    const after = await authorizeCredentials(db, sql, { email: u.email, password: u.password, ip: ip() });
    expect(!after.ok && after.code).toBe("locked");
  });

  it("a successful sign-in gives its attempt back to the address", async () => {
    const addr = ip();
    const u = await createTestUser(db, "viewer");
    // More sign-ins than the address may fail: none of them is refused.
    for (let i = 0; i < THROTTLE.maxFailures.ip + 5; i++)
      expect(
        (await authorizeCredentials(db, sql, { email: u.email.toUpperCase(), password: u.password, ip: addr })).ok,
      ).toBe(true);
  });

  it("counts concurrent failures without losing any", async () => {
    const email = `${uniqueName("race")}@example.test`;
    await Promise.all(
      Array.from({ length: 4 }, () => authorizeCredentials(db, sql, { email, password: "x", ip: ip() })),
    );
    const [row] = await sql<
      { failures: number }[]
    >`select failures from sign_in_throttle where key = ${"email:" + email}`;
    expect(row.failures).toBe(4);
  });
});

describe("the guard re-reads the user on every request", () => {
  it("drops an existing session once the user is disabled, and follows role changes", async () => {
    const u = await createTestUser(db, "editor");
    actAs(u);
    expect((await getCurrentUser())?.role).toBe("editor");
    await db.update(users).set({ role: "viewer" }).where(eq(users.id, u.id));
    expect((await getCurrentUser())?.role).toBe("viewer");
    await db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, u.id));
    expect(await getCurrentUser()).toBeNull();
  });

  it("ends sessions issued before a password change", async () => {
    const u = await createTestUser(db, "viewer");
    actAs(u);
    expect(await getCurrentUser()).not.toBeNull();
    await changeOwnPassword(db, u.id, u.password, "a-brand-new-password");
    expect(await getCurrentUser()).toBeNull();
    actAs(await reloadUser(db, u.id));
    expect((await getCurrentUser())?.id).toBe(u.id);
  });

  it("ignores a session for a user that no longer exists", async () => {
    actAs({ id: "00000000-0000-4000-8000-000000000000", passwordHash: "x" });
    expect(await getCurrentUser()).toBeNull();
  });
});

describe("password hash upgrade on sign-in", () => {
  it("replaces an older scrypt hash with argon2id at the staff cost on a successful sign-in only", async () => {
    const u = await createTestUser(db, "editor");
    const legacy = await hashContactPassword(u.password, { N: 1024, r: 8, p: 1 });
    await db.update(users).set({ passwordHash: legacy }).where(eq(users.id, u.id));

    const wrong = await authorizeCredentials(db, sql, { email: u.email, password: "not-the-password", ip: ip() });
    expect(wrong.ok).toBe(false);
    expect((await reloadUser(db, u.id)).passwordHash).toBe(legacy);

    const r = await authorizeCredentials(db, sql, { email: u.email, password: u.password, ip: ip() });
    expect(r.ok).toBe(true);
    const stored = (await reloadUser(db, u.id)).passwordHash;
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    // The session is made from the upgraded user, so it matches the stored hash.
    expect(r.ok && r.user.passwordHash).toBe(stored);
    expect(needsRehash(stored)).toBe(false);

    const again = await authorizeCredentials(db, sql, { email: u.email, password: u.password, ip: ip() });
    expect(again.ok).toBe(true);
    expect((await reloadUser(db, u.id)).passwordHash).toBe(stored);
  });

  it("leaves a disabled account's old hash alone", async () => {
    const u = await createTestUser(db, "viewer", { disabled: true });
    const before = (await reloadUser(db, u.id)).passwordHash;
    const r = await authorizeCredentials(db, sql, { email: u.email, password: u.password, ip: ip() });
    expect(!r.ok && r.code).toBe("disabled");
    expect((await reloadUser(db, u.id)).passwordHash).toBe(before);
  });
});
