import { eq } from "drizzle-orm";
import { isRedirectError } from "next/dist/client/components/redirect-error";
import type { Db } from "@/db/client";
import { syncs, type Sync } from "@/db/schema";

export type PostResult<S> = { redirect: string | null; state: S | null };

/** Call a wizard action like a form post; a redirect (post/redirect/get) is returned as its URL. */
export async function postForm<S extends object>(
  action: (prev: S, fd: FormData) => Promise<S>,
  fields: Record<string, string | string[] | undefined>,
): Promise<PostResult<S>> {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) fd.append(k, one);
  }
  try {
    return { redirect: null, state: await action({} as S, fd) };
  } catch (e) {
    if (isRedirectError(e)) return { redirect: e.digest.split(";")[2], state: null };
    throw e;
  }
}

/** The sync row as stored. */
export async function readSync(db: Db, id: string): Promise<Sync> {
  const [row] = await db.select().from(syncs).where(eq(syncs.id, id));
  return row;
}
