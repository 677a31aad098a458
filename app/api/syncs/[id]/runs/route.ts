import { getDb } from "@/db/client";
import { idFrom, noStore } from "@/app/api/_lib/ids";
import { pageQueryOf } from "@/lib/api/paging";
import { withApiAuth } from "@/lib/auth/guard";
import { notFound } from "@/lib/errors";
import { runsPage } from "@/lib/runs/api-lists";
import { getSync } from "@/lib/runs/queries";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET /api/syncs/:id/runs — the sync's runs, newest first, paged. */
export const GET = withApiAuth<{ id: string }>("viewer", async (req, { params }) => {
  const id = await idFrom(params, "import");
  if (!(await getSync(getDb(), id))) throw notFound("import");
  const page = await runsPage(getDb(), id, pageQueryOf(req));
  return Response.json(
    { runs: page.rows, nextCursor: page.nextCursor, prevCursor: page.prevCursor },
    { headers: noStore },
  );
});
