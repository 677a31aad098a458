import { getDb } from "@/db/client";
import { withApiAuth } from "@/lib/auth/guard";
import { listManagers } from "@/lib/managers/queries";

export const dynamic = "force-dynamic";

/**
 * GET /api/managers — the Contact Managers with their live contact counts (any signed-in staff).
 */
export const GET = withApiAuth("viewer", async () => {
  const managers = await listManagers(getDb());
  return Response.json({ managers: managers.map((m) => ({ id: m.id, name: m.name, contactCount: m.contactCount })) });
});
