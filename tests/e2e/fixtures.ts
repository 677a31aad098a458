import { expect, type Page } from "@playwright/test";
import postgres from "postgres";

export type Who = "admin" | "editor" | "viewer" | "locked";

export function credentials(who: Who): { email: string; password: string } {
  const email = process.env[`E2E_${who.toUpperCase()}_EMAIL`];
  const password = process.env[`E2E_${who.toUpperCase()}_PASSWORD`];
  if (!email || !password) throw new Error(`global setup did not create the ${who} user`);
  return { email, password };
}

/** Page object for /signin. */
export class SignInPage {
  constructor(private readonly page: Page) {}

  async goto(): Promise<void> {
    await this.page.goto("/signin");
  }

  async signIn(email: string, password: string): Promise<void> {
    // After an attempt, React resets the form when the action's transition ends, a moment after the response:
    // filling before that would be wiped, and the next click would send an empty form. The button is enabled
    // again ("Sign in", not "Signing in…") once that is over.
    await expect(this.page.getByRole("button", { name: "Sign in", exact: true })).toBeEnabled();
    await this.page.getByLabel("Email").fill(email);
    await this.page.getByLabel("Password").fill(password);
    // Wait for the server's answer, so a quick next attempt cannot overtake this one.
    await Promise.all([
      this.page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/signin"),
      this.page.getByRole("button", { name: "Sign in" }).click(),
    ]);
  }

  async signInAs(who: Who): Promise<void> {
    const c = credentials(who);
    await this.goto();
    await this.signIn(c.email, c.password);
    await expect(this.page).toHaveURL(/\/managers$/);
  }
}

/** A direct connection to the e2e database, for checks the UI cannot make (e.g. "nothing was created"). */
export async function withSql<T>(fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
  try {
    return await fn(sql);
  } finally {
    await sql.end();
  }
}

export function uniqueName(prefix: string): string {
  return `${prefix} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}
