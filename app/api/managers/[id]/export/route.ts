import { getDb, getSql } from "@/db/client";
import { idFrom, noStore } from "@/app/api/_lib/ids";
import { withApiAuth } from "@/lib/auth/guard";
import { exportContactsCsv, exportContactsJson } from "@/lib/contacts/export";
import { AppError, notFound } from "@/lib/errors";
import { getManager } from "@/lib/managers/queries";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET /api/managers/:id/export?format=csv|json — every live contact, streamed, as `contacts export` prints it. */
export const GET = withApiAuth<{ id: string }>("viewer", async (req, { params }) => {
  const format = new URL(req.url).searchParams.get("format") ?? "json";
  if (format !== "json" && format !== "csv") throw new AppError("invalid_query", "format is json or csv.");
  const m = await getManager(getDb(), await idFrom(params, "manager"));
  if (!m) throw notFound("manager");
  const chunks = (format === "json" ? exportContactsJson : exportContactsCsv)(getSql(), m.id, m.fields);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
  const type = format === "json" ? "application/json" : "text/csv; charset=utf-8";
  return new Response(body, { headers: { "Content-Type": type, ...noStore } });
});
