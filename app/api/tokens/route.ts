import { getDb } from "@/db/client";
import { readJson } from "@/lib/api/body";
import { pageQueryOf } from "@/lib/api/paging";
import { createApiTokenFrom, listApiTokens } from "@/lib/auth/api-tokens";
import { withApiAuth } from "@/lib/auth/guard";
import { tokenCreateSchema } from "@/lib/auth/token-schema";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET /api/tokens — every API token with its last use (admins). Never the token text. */
export const GET = withApiAuth("admin", async (req) => {
  const page = await listApiTokens(getDb(), pageQueryOf(req));
  return Response.json({ tokens: page.rows, nextCursor: page.nextCursor, prevCursor: page.prevCursor });
});

/** POST /api/tokens {name, role, expiresAt?, userId?} — 201 with the token text, shown this once. */
export const POST = withApiAuth("admin", async (req, { user }) => {
  const input = await readJson(req, tokenCreateSchema);
  const created = await createApiTokenFrom(getDb(), input, user);
  return Response.json(created, { status: 201, headers: { "Cache-Control": "no-store" } });
});
