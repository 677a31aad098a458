import { eq } from "drizzle-orm";
import { isRedirectError } from "next/dist/client/components/redirect-error";
import type { Db } from "@/db/client";
import { users, type Role, type User } from "@/db/schema";
import { setSessionReaderForTests } from "@/lib/auth/current-user";
import type { ActionState } from "@/lib/auth/guard";
import { hashPassword } from "@/lib/auth/passwords";
import { passwordVersion } from "@/lib/auth/session";
import { uniqueName } from "../../support/db";

/** Cheap scrypt for test users (the cost is stored in the hash, so verification still works). */
const FAST = { N: 1024, r: 8, p: 1 };

export async function createTestUser(db: Db, role: Role, opts: { password?: string; disabled?: boolean } = {}): Promise<User & { password: string }> {
  const password = opts.password ?? `pw-${uniqueName("p")}`;
  const [user] = await db
    .insert(users)
    .values({
      email: `${uniqueName(role)}@example.test`,
      name: `Test ${role}`,
      role,
      passwordHash: await hashPassword(password, FAST),
      disabledAt: opts.disabled ? new Date() : null,
    })
    .returning();
  return { ...user, password };
}

/** Act as this user in actions and route handlers (null: anonymous). The user is re-read from the DB. */
export function actAs(user: Pick<User, "id" | "passwordHash"> | null): void {
  setSessionReaderForTests(async () => (user ? { userId: user.id, pv: passwordVersion(user.passwordHash) } : null));
}

export async function reloadUser(db: Db, id: string): Promise<User> {
  const [u] = await db.select().from(users).where(eq(users.id, id));
  return u;
}

export type Outcome = { result: "unauthenticated" | "forbidden" | "ok" | "error"; detail: string };

/** Run a server action built with authorizedAction(); a redirect (post/redirect/get) counts as success. */
export async function callAction(
  action: (prev: ActionState, fd: FormData) => Promise<ActionState>,
  fields: Record<string, string | string[]>,
): Promise<Outcome> {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) for (const one of Array.isArray(v) ? v : [v]) fd.append(k, one);
  try {
    const state = await action({}, fd);
    if (state.code === "unauthenticated" || state.code === "forbidden") return { result: state.code, detail: state.message ?? "" };
    if (state.ok) return { result: "ok", detail: "ok" };
    return { result: "error", detail: `${state.code}: ${state.message} ${JSON.stringify(state.errors ?? {})}` };
  } catch (e) {
    if (isRedirectError(e)) return { result: "ok", detail: `redirect ${e.digest.split(";")[2]}` };
    throw e;
  }
}

/** Run a route handler built with withApiAuth(). */
export async function callRoute(
  handler: (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>,
  req: Request,
  params: Record<string, string> = {},
): Promise<Outcome> {
  const res = await handler(req, { params: Promise.resolve(params) });
  const detail = `${res.status} ${await res.text()}`;
  if (res.status === 401) return { result: "unauthenticated", detail };
  if (res.status === 403) return { result: "forbidden", detail };
  return { result: res.status < 400 ? "ok" : "error", detail };
}
