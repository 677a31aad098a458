import { z } from "zod";
import { getDb } from "@/db/client";
import { withApiAuth } from "@/lib/auth/guard";
import { AppError } from "@/lib/errors";
import { listImports } from "@/lib/runs/queries";
import { noStore } from "./params";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const query = z.object({ managerId: z.uuid({ error: "managerId must be a Contact Manager id (a UUID)." }).optional() });

/** GET /api/syncs[?managerId=…] — the imports list: latest run, active run with progress, next run, status, errors. */
export const GET = withApiAuth("viewer", async (req) => {
  const url = new URL(req.url);
  const parsed = query.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) throw new AppError("invalid_query", parsed.error.issues[0]?.message ?? "Invalid query.", 400);
  const syncs = await listImports(getDb(), { managerId: parsed.data.managerId });
  return Response.json({ syncs }, { headers: noStore });
});
