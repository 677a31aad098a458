import { getDb } from "@/db/client";
import { withApiAuth } from "@/lib/auth/guard";
import { deleteWebhook } from "@/lib/notify/webhooks";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** DELETE /api/webhooks/:id — nothing more is sent to it; answered with the removed endpoint. */
export const DELETE = withApiAuth<{ id: string }>("admin", async (_req, { params, user }) => {
  return Response.json(await deleteWebhook(getDb(), (await params).id, user));
});
