import { getDb } from "@/db/client";
import { managerCreateSchema, managerJson } from "@/app/api/managers/schemas";
import { readJson } from "@/lib/api/body";
import { pageQueryOf } from "@/lib/api/paging";
import { audit } from "@/lib/audit";
import { withApiAuth } from "@/lib/auth/guard";
import { createManager, getManager, listManagersPage } from "@/lib/managers/queries";

export const dynamic = "force-dynamic";

/**
 * GET /api/managers[?limit=…][&after=…|&before=…] — the Contact Managers with their live contact counts (any
 * signed-in staff), in name order, a page at a time as the API's other lists.
 */
export const GET = withApiAuth("viewer", async (req) => {
  const page = await listManagersPage(getDb(), pageQueryOf(req));
  return Response.json({
    managers: page.rows.map((m) => ({ id: m.id, name: m.name, contactCount: m.contactCount })),
    nextCursor: page.nextCursor,
    prevCursor: page.prevCursor,
  });
});

/** POST /api/managers {name, keyField?, fields?} — 201 with the manager and its fields. */
export const POST = withApiAuth("editor", async (req, { user }) => {
  const input = await readJson(req, managerCreateSchema);
  const db = getDb();
  const m = await createManager(db, {
    name: input.name,
    keyLabel: input.keyField?.label,
    keyType: input.keyField?.type,
    fields: input.fields,
  });
  await audit(db, {
    user,
    action: "manager.create",
    targetType: "manager",
    targetId: m.id,
    details: { name: m.name, fields: m.fields.map((f) => f.label), via: "api" },
  });
  return Response.json(managerJson((await getManager(db, m.id)) ?? m), { status: 201 });
});
