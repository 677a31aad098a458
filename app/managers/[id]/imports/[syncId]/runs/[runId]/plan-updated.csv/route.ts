import { withApiAuth } from "@/lib/auth/guard";
import { runPlanCsvStream } from "@/lib/runs/plan-csv";
import { runCsvResponse } from "@/lib/runs/run-csv-response";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The full list of contacts this blocked or dry run would have updated, as CSV (formula cells escaped). */
export const GET = withApiAuth<{ id: string; syncId: string; runId: string }>("viewer", async (_req, { params }) =>
  runCsvResponse(await params, "would-be-updated", (db, runId) => runPlanCsvStream(db, runId, "updated")),
);
