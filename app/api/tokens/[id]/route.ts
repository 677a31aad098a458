import { getDb } from "@/db/client";
import { revokeApiToken } from "@/lib/auth/api-tokens";
import { withApiAuth } from "@/lib/auth/guard";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** DELETE /api/tokens/:id — revoke: the token stops working at once; answered with the revoked token. */
export const DELETE = withApiAuth<{ id: string }>("admin", async (_req, { params, user }) => {
  return Response.json(await revokeApiToken(getDb(), (await params).id, user));
});
