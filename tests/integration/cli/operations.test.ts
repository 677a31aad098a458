import { cli } from "@/tests/integration/cli/run-cli";
import { describe, expect, it } from "vitest";
import { uniqueName, useDb } from "@/tests/support/db";
import { ensureFirstAdmin } from "@/lib/auth/bootstrap";
import { MIN_PASSWORD_LENGTH } from "@/lib/auth/users";
import { reloadEnv } from "@/lib/env";

const { db, sql } = useDb();

describe("start-up and CLI: the same rules as the pages", { timeout: 120_000 }, () => {
  it("bootstrap admin: ADMIN_PASSWORD shorter than the password policy is refused", async () => {
    await sql`delete from users`; // scratch database of this run
    const saved = { ...process.env };
    process.env.ADMIN_EMAIL = "boot@example.com";
    process.env.ADMIN_PASSWORD = "12345678"; // 8 characters; policy: MIN_PASSWORD_LENGTH (10)
    expect("12345678".length).toBeLessThan(MIN_PASSWORD_LENGTH);
    let error: unknown;
    try {
      reloadEnv();
      await ensureFirstAdmin(db, () => {});
    } catch (e) {
      error = e;
    } finally {
      process.env = saved;
      reloadEnv();
    }
    const rows = await sql`select email from users where lower(email) = 'boot@example.com'`;
    expect(
      rows.length,
      `admin created with an ${"12345678".length}-character password (policy ${MIN_PASSWORD_LENGTH}); error: ${String(error)}`,
    ).toBe(0);
  });

  it("CLI user create refuses an invalid email (the admin page does)", async () => {
    for (const email of ["not-an-email", "   "]) {
      const r = await cli(
        "user",
        "create",
        "--email",
        email,
        "--password",
        "long-enough-pw",
        "--role",
        "admin",
        "--json",
      );
      const rows = await sql`select id from users where email = ${email.trim()}`;
      expect({ email, code: r.code, stored: rows.length, stdout: r.stdout.trim() }).toMatchObject({
        code: 1,
        stored: 0,
      });
    }
  });

  it("CLI user create is recorded in the audit log (as the admin page's is)", async () => {
    const email = `${uniqueName("audited")}@example.com`;
    const r = await cli(
      "user",
      "create",
      "--email",
      email,
      "--password",
      "long-enough-pw",
      "--role",
      "admin",
      "--json",
    );
    expect(r.code).toBe(0);
    const rows =
      await sql`select action from audit_log where details->>'email' = ${email} or target_id = ${JSON.parse(r.stdout).id}`;
    expect(rows.map((x) => x.action)).toContain("user.create");
  });

  it("CLI manager create refuses control characters in the name (the page does)", async () => {
    const name = `${uniqueName("line")}\nsecond line\u0007`;
    const r = await cli("manager", "create", "--name", name, "--json");
    const rows = await sql`select id from managers where name = ${name}`;
    expect({ code: r.code, stored: rows.length, stdout: r.stdout.trim() }).toMatchObject({ code: 1, stored: 0 });
  });

  it("start-up validation refuses a malformed ENCRYPTION_KEY / ALLOWED_PORTS (README: validated at start by lib/env.ts)", () => {
    const saved = { ...process.env };
    const outcomes: Record<string, string> = {};
    for (const [k, v] of [
      ["ENCRYPTION_KEY", "not-a-32-byte-key"],
      ["ALLOWED_PORTS", "8443;2121"],
    ] as const) {
      process.env = { ...saved, [k]: v };
      try {
        reloadEnv();
        outcomes[k] = "accepted";
      } catch (_e) {
        outcomes[k] = "refused";
      }
    }
    process.env = saved;
    reloadEnv();
    expect(outcomes).toEqual({ ENCRYPTION_KEY: "refused", ALLOWED_PORTS: "refused" });
  });
});
