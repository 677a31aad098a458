import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { runs } from "@/db/schema";
import { idFrom, noStore } from "@/app/api/_lib/ids";
import { pageQueryOf } from "@/lib/api/paging";
import { withApiAuth } from "@/lib/auth/guard";
import { AppError, notFound } from "@/lib/errors";
import { runErrorsPage } from "@/lib/runs/api-lists";
import { runErrorsCsvStream } from "@/lib/runs/errors-csv";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET /api/runs/:id/errors — the row errors in file order, paged; `?format=csv` streams them all as CSV. */
export const GET = withApiAuth<{ id: string }>("viewer", async (req, { params }) => {
  const id = await idFrom(params, "run");
  const [run] = await getDb().select({ id: runs.id }).from(runs).where(eq(runs.id, id));
  if (!run) throw notFound("run");
  const format = new URL(req.url).searchParams.get("format") ?? "json";
  if (format === "csv")
    return new Response(runErrorsCsvStream(getDb(), id), {
      headers: { "Content-Type": "text/csv; charset=utf-8", ...noStore },
    });
  if (format !== "json") throw new AppError("invalid_query", "format is json or csv.");
  const page = await runErrorsPage(getDb(), id, pageQueryOf(req));
  return Response.json(
    { errors: page.rows, nextCursor: page.nextCursor, prevCursor: page.prevCursor },
    { headers: noStore },
  );
});
