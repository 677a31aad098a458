import { eq } from "drizzle-orm";
import { isRedirectError } from "next/dist/client/components/redirect-error";
import type { Db } from "@/db/client";
import { runs, syncs, type Run, type Sync } from "@/db/schema";

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

/** Wait until a run (by its id, or the first run of a sync) has finished; its row. */
export async function waitForRun(db: Db, by: { runId: string } | { syncId: string }): Promise<Run> {
  const where = "runId" in by ? eq(runs.id, by.runId) : eq(runs.syncId, by.syncId);
  for (let i = 0; i < 200; i++) {
    const [run] = await db.select().from(runs).where(where);
    if (run && run.status !== "queued" && run.status !== "running") return run;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("run did not finish");
}
