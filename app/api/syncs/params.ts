import { z } from "zod";
import { notFound } from "@/lib/errors";

const syncId = z.uuid();

/** The :id of /api/syncs/:id/...: a UUID, or a 404 (an id that cannot exist is simply not found). */
export async function syncIdFrom(params: Promise<{ id: string }>): Promise<string> {
  const parsed = syncId.safeParse((await params).id);
  if (!parsed.success) throw notFound("import");
  return parsed.data;
}

export const noStore = { "Cache-Control": "no-store" };
