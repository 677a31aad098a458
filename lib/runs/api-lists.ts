import { and, asc, desc, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { runErrors, runs } from "@/db/schema";
import { ascendingIdPage, newestFirstPage, type Page, type PageQuery } from "@/lib/api/paging";
import { type RunJson, runJson } from "@/lib/runs/run-json";

/** A sync's runs for the JSON API, newest first, keyset-paged. */
export async function runsPage(db: Db, syncId: string, q: PageQuery): Promise<Page<RunJson>> {
  const page = await newestFirstPage(q, { time: runs.queuedAt, id: runs.id }, (where, order, limit) =>
    db
      .select({ r: runs, _t: sql<string>`${runs.queuedAt}::text`, _id: runs.id })
      .from(runs)
      .where(and(eq(runs.syncId, syncId), where))
      .orderBy(...(order === "desc" ? [desc(runs.queuedAt), desc(runs.id)] : [asc(runs.queuedAt), asc(runs.id)]))
      .limit(limit),
  );
  return { ...page, rows: page.rows.map((r) => runJson(r.r)) };
}

export type RunErrorJson = { line: number | null; column: string | null; message: string };

/** A run's row errors in file order, keyset-paged. */
export async function runErrorsPage(db: Db, runId: string, q: PageQuery): Promise<Page<RunErrorJson>> {
  const page = await ascendingIdPage(q, runErrors.id, (where, order, limit) =>
    db
      .select()
      .from(runErrors)
      .where(and(eq(runErrors.runId, runId), where))
      .orderBy(order === "asc" ? asc(runErrors.id) : desc(runErrors.id))
      .limit(limit),
  );
  return { ...page, rows: page.rows.map((e) => ({ line: e.line, column: e.column, message: e.message })) };
}
