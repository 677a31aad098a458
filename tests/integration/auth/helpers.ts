import { eq } from "drizzle-orm";
import { isRedirectError } from "next/dist/client/components/redirect-error";
import type { Db } from "@/db/client";
import { users, type Role, type User } from "@/db/schema";
import { setSessionReaderForTests } from "@/lib/auth/current-user";
import type { ActionState } from "@/lib/auth/guard";
import { hashPassword } from "@/lib/auth/passwords";
import { passwordVersion } from "@/lib/auth/session";
import { uniqueName } from "@/tests/support/db";

/** Cheap argon2id for test users (the cost is stored in the hash, so verification still works). */
export const FAST = { memory: 256, passes: 2, parallelism: 1 };

export async function createTestUser(
  db: Db,
  role: Role,
  opts: { password?: string; disabled?: boolean } = {},
): Promise<User & { password: string }> {
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
    if (state.code === "unauthenticated" || state.code === "forbidden")
      return { result: state.code, detail: state.message ?? "" };
    if (state.ok) return { result: "ok", detail: "ok" };
    return { result: "error", detail: `${state.code}: ${state.message} ${JSON.stringify(state.errors ?? {})}` };
  } catch (e) {
    if (isRedirectError(e)) return { result: "ok", detail: `redirect ${e.digest.split(";")[2]}` };
    throw e;
  }
}

let bearer: string | null = null;

/** Send `Authorization: Bearer <token>` with every callRoute request from now on (null: none). */
export function useBearer(token: string | null): void {
  bearer = token;
}

/** Run a route handler built with withApiAuth() (with the bearer token of useBearer, if any). */
export async function callRoute<P extends Record<string, string>>(
  handler: (req: Request, ctx: { params: Promise<P> }) => Promise<Response>,
  req: Request,
  params: P = {} as P,
): Promise<Outcome> {
  if (bearer) {
    const headers = new Headers(req.headers);
    headers.set("authorization", `Bearer ${bearer}`);
    const body = req.body ? await req.arrayBuffer() : undefined;
    req = new Request(req.url, { method: req.method, headers, body });
  }
  const res = await handler(req, { params: Promise.resolve(params) });
  const detail = `${res.status} ${await res.text()}`;
  if (res.status === 401) return { result: "unauthenticated", detail };
  if (res.status === 403) return { result: "forbidden", detail };
  return { result: res.status < 400 ? "ok" : "error", detail };
}
