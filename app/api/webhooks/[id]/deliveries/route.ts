import { getDb } from "@/db/client";
import { pageQueryOf } from "@/lib/api/paging";
import { withApiAuth } from "@/lib/auth/guard";
import { listDeliveries } from "@/lib/notify/webhooks";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET /api/webhooks/:id/deliveries — the delivery log: attempts, last response status, next try. */
export const GET = withApiAuth<{ id: string }>("admin", async (req, { params }) => {
  const page = await listDeliveries(getDb(), (await params).id, pageQueryOf(req));
  return Response.json({ deliveries: page.rows, nextCursor: page.nextCursor, prevCursor: page.prevCursor });
});
