import { getDb } from "@/db/client";
import { readJson } from "@/lib/api/body";
import { pageQueryOf } from "@/lib/api/paging";
import { withApiAuth } from "@/lib/auth/guard";
import { webhookCreateSchema } from "@/lib/notify/webhook-schema";
import { createWebhook, listWebhooks } from "@/lib/notify/webhooks";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET /api/webhooks — the endpoints (admins). Never their secrets. */
export const GET = withApiAuth("admin", async (req) => {
  const page = await listWebhooks(getDb(), pageQueryOf(req));
  return Response.json({ webhooks: page.rows, nextCursor: page.nextCursor, prevCursor: page.prevCursor });
});

/** POST /api/webhooks {url, events, syncIds?} — 201 with the signing secret, shown this once; 400 for a refused URL. */
export const POST = withApiAuth("admin", async (req, { user }) => {
  const created = await createWebhook(getDb(), await readJson(req, webhookCreateSchema), user);
  return Response.json(created, { status: 201, headers: { "Cache-Control": "no-store" } });
});
