import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { runs } from "@/db/schema";
import { idFrom, noStore } from "@/app/api/_lib/ids";
import { withApiAuth } from "@/lib/auth/guard";
import { notFound } from "@/lib/errors";
import { runJson } from "@/lib/runs/run-json";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET /api/runs/:id — the run's summary, with its plan sample when the run kept one (blocked and dry runs). */
export const GET = withApiAuth<{ id: string }>("viewer", async (_req, { params }) => {
  const [run] = await getDb()
    .select()
    .from(runs)
    .where(eq(runs.id, await idFrom(params, "run")));
  if (!run) throw notFound("run");
  return Response.json({ ...runJson(run), plan: run.planSample ?? null }, { headers: noStore });
});
