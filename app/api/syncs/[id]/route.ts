import { z } from "zod";
import { getDb } from "@/db/client";
import { noStore, syncIdFrom } from "@/app/api/syncs/params";
import { readJson } from "@/lib/api/body";
import { withApiAuth } from "@/lib/auth/guard";
import { AppError, notFound } from "@/lib/errors";
import { deactivateSync } from "@/lib/runs/deactivate";
import { getImportRow } from "@/lib/runs/queries";
import { definitionFromSync, updateSyncFromDefinition } from "@/lib/syncs/definition";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

async function summary(syncId: string) {
  const row = await getImportRow(getDb(), syncId);
  if (!row) throw notFound("import");
  return row;
}

/**
 * GET /api/syncs/:id — the import as the imports list shows it; `?format=definition`: its sync definition
 * document (secrets as {"saved": true}), which POST /api/syncs accepts again.
 */
export const GET = withApiAuth<{ id: string }>("viewer", async (req, { params }) => {
  const syncId = await syncIdFrom(params);
  const format = new URL(req.url).searchParams.get("format") ?? "summary";
  if (format !== "summary" && format !== "definition")
    throw new AppError("invalid_query", "format is definition, or absent for the summary.");
  const body = format === "definition" ? await definitionFromSync(getDb(), syncId) : await summary(syncId);
  return Response.json(body, { headers: noStore });
});

/** PATCH /api/syncs/:id {partial definition} — changed in one transaction; 409 while a run is active. */
export const PATCH = withApiAuth<{ id: string }>("editor", async (req, { params, user }) => {
  const syncId = await syncIdFrom(params);
  const body = await readJson(req, z.unknown());
  await updateSyncFromDefinition(getDb(), syncId, body, user);
  return Response.json(await summary(syncId), { headers: noStore });
});

/** DELETE /api/syncs/:id — as the imports list's Delete: the import stops, its runs stay; 409 while a run is active. */
export const DELETE = withApiAuth<{ id: string }>("editor", async (_req, { params, user }) => {
  const syncId = await syncIdFrom(params);
  const before = await summary(syncId);
  await deactivateSync(getDb(), { syncId, user });
  return Response.json({ ...before, state: "deleted", nextRunAt: null, deleted: true }, { headers: noStore });
});
