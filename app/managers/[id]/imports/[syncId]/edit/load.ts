import { notFound } from "next/navigation";
import { getDb } from "@/db/client";
import { requireUser } from "@/lib/auth/guard";
import { getManager } from "@/lib/managers/queries";
import { getWizardSync } from "@/lib/wizard/draft-store";

export type WizardParams = Promise<{ id: string; syncId: string }>;

/** Every wizard page: an editor, the manager and its (draft or active) sync, or 404. */
export async function loadWizardPage(params: WizardParams) {
  const user = await requireUser("editor");
  const { id, syncId } = await params;
  const db = getDb();
  const manager = await getManager(db, id);
  if (!manager) notFound();
  const sync = await getWizardSync(db, manager.id, syncId);
  if (!sync) notFound();
  return { user, db, manager, sync };
}
