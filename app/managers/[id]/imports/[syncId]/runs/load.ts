import { notFound } from "next/navigation";
import { z } from "zod";
import { getDb } from "@/db/client";
import { getSync } from "@/lib/runs/queries";

/** The sync of a /managers/[id]/imports/[syncId]/... page, or the 404 page (also for malformed ids). */
export async function loadSync(params: { id: string; syncId: string }) {
  const ok = z.object({ id: z.uuid(), syncId: z.uuid() }).safeParse(params);
  if (!ok.success) notFound();
  const sync = await getSync(getDb(), ok.data.syncId);
  if (!sync || sync.managerId !== ok.data.id) notFound();
  return sync;
}
