import { z } from "zod";
import { getDb } from "@/db/client";
import { withApiAuth } from "@/lib/auth/guard";
import { readJson } from "@/lib/api/body";
import { AppError, notFound } from "@/lib/errors";
import { apiSyncPath } from "@/lib/paths";
import { getImportRow, IMPORTS_PAGE_MAX, IMPORTS_PAGE_SIZE, listImportsPage } from "@/lib/runs/queries";
import { createSyncFromDefinition } from "@/lib/syncs/definition";
import { noStore } from "@/app/api/syncs/params";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const query = z.object({
  managerId: z.uuid({ error: "managerId must be a Contact Manager id (a UUID)." }).optional(),
  limit: z.coerce
    .number({ error: `limit must be a whole number from 1 to ${IMPORTS_PAGE_MAX}.` })
    .int({ error: `limit must be a whole number from 1 to ${IMPORTS_PAGE_MAX}.` })
    .min(1, { error: `limit must be a whole number from 1 to ${IMPORTS_PAGE_MAX}.` })
    .max(IMPORTS_PAGE_MAX, { error: `limit must be a whole number from 1 to ${IMPORTS_PAGE_MAX}.` })
    .optional(),
  after: z.string().max(2000).optional(),
  before: z.string().max(2000).optional(),
});

/**
 * GET /api/syncs[?managerId=…][&limit=…][&after=…|&before=…] — the imports list, a page at a time (default
 * IMPORTS_PAGE_SIZE, at most IMPORTS_PAGE_MAX): latest run, active run with progress, next run, status, errors.
 * `nextCursor` / `prevCursor` (null at either end) go back as `after` / `before` for the next / previous page.
 */
export const GET = withApiAuth("viewer", async (req) => {
  const url = new URL(req.url);
  const parsed = query.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) throw new AppError("invalid_query", parsed.error.issues[0]?.message ?? "Invalid query.");
  const { managerId, limit, after, before } = parsed.data;
  const page = await listImportsPage(getDb(), { managerId, limit: limit ?? IMPORTS_PAGE_SIZE, after, before });
  return Response.json(
    { syncs: page.rows, nextCursor: page.nextCursor, prevCursor: page.prevCursor },
    { headers: noStore },
  );
});

/**
 * POST /api/syncs {sync definition} — a new import, active (or a draft with "draft": true): 201 with the import
 * as GET /api/syncs/:id shows it. 400 naming the first part of the document in trouble.
 */
export const POST = withApiAuth("editor", async (req, { user }) => {
  const body = await readJson(req, z.unknown());
  const db = getDb();
  const sync = await createSyncFromDefinition(db, body, user);
  const row = await getImportRow(db, sync.id);
  if (!row) throw notFound("import");
  return Response.json(row, { status: 201, headers: { ...noStore, Location: apiSyncPath(sync.id) } });
});
