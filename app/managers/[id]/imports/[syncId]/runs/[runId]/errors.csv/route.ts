import { withApiAuth } from "@/lib/auth/guard";
import { runErrorsCsvStream } from "@/lib/runs/errors-csv";
import { runCsvResponse } from "@/lib/runs/run-csv-response";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** "Download errors as CSV": the run's row errors, streamed from the database (formula cells escaped). */
export const GET = withApiAuth<{ id: string; syncId: string; runId: string }>("viewer", async (_req, { params }) =>
  runCsvResponse(await params, "errors", (db, runId) => runErrorsCsvStream(db, runId)),
);
