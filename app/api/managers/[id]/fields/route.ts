import { getDb } from "@/db/client";
import { idFrom } from "@/app/api/_lib/ids";
import { fieldInputSchema } from "@/app/api/managers/schemas";
import { readJson } from "@/lib/api/body";
import { audit } from "@/lib/audit";
import { withApiAuth } from "@/lib/auth/guard";
import { notFound } from "@/lib/errors";
import { addField, getManager } from "@/lib/managers/queries";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** POST /api/managers/:id/fields {label, type} — 201 with the new field. */
export const POST = withApiAuth<{ id: string }>("editor", async (req, { params, user }) => {
  const id = await idFrom(params, "manager");
  const input = await readJson(req, fieldInputSchema);
  const db = getDb();
  if (!(await getManager(db, id))) throw notFound("manager");
  const f = await addField(db, id, input);
  await audit(db, {
    user,
    action: "field.add",
    targetType: "manager",
    targetId: id,
    details: { label: f.label, type: f.type, via: "api" },
  });
  return Response.json({ id: f.id, label: f.label, type: f.type, role: f.role }, { status: 201 });
});
