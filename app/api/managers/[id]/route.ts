import { getDb } from "@/db/client";
import { idFrom } from "@/app/api/_lib/ids";
import { managerJson, managerPatchSchema } from "@/app/api/managers/schemas";
import { readJson } from "@/lib/api/body";
import { audit } from "@/lib/audit";
import { withApiAuth } from "@/lib/auth/guard";
import { notFound } from "@/lib/errors";
import { deleteManager, getManager, renameManager } from "@/lib/managers/queries";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET /api/managers/:id — the manager with its fields. */
export const GET = withApiAuth<{ id: string }>("viewer", async (_req, { params }) => {
  const m = await getManager(getDb(), await idFrom(params, "manager"));
  if (!m) throw notFound("manager");
  return Response.json(managerJson(m));
});

/** PATCH /api/managers/:id {name} — rename. */
export const PATCH = withApiAuth<{ id: string }>("editor", async (req, { params, user }) => {
  const id = await idFrom(params, "manager");
  const { name } = await readJson(req, managerPatchSchema);
  const db = getDb();
  await renameManager(db, id, name);
  await audit(db, {
    user,
    action: "manager.rename",
    targetType: "manager",
    targetId: id,
    details: { name, via: "api" },
  });
  const m = await getManager(db, id);
  if (!m) throw notFound("manager");
  return Response.json(managerJson(m));
});

/** DELETE /api/managers/:id — the manager, its contacts and its imports; answered with what was deleted. */
export const DELETE = withApiAuth<{ id: string }>("editor", async (_req, { params, user }) => {
  const db = getDb();
  const m = await getManager(db, await idFrom(params, "manager"));
  if (!m) throw notFound("manager");
  await deleteManager(db, m.id);
  await audit(db, {
    user,
    action: "manager.delete",
    targetType: "manager",
    targetId: m.id,
    details: { name: m.name, via: "api" },
  });
  return Response.json({ ...managerJson(m), deleted: true });
});
