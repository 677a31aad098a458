import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { getDb } from "@/db/client";
import { requireUser } from "@/lib/auth/guard";
import { getManager } from "@/lib/managers/queries";
import { SourceStep } from "@/app/_components/wizard/SourceStep";
import { saveSourceAction } from "@/app/managers/[id]/imports/[syncId]/edit/actions";
import { WizardShell } from "@/app/_components/wizard/WizardShell";

export const metadata: Metadata = { title: "Setup New Import — Contact Sync" };

/** "Setup New Import": step 1 of the wizard. Saving it creates the draft; later steps live under /imports/<id>/edit/. */
export default async function NewImportPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const user = await requireUser("editor");
  const { id } = await params;
  const db = getDb();
  const manager = await getManager(db, id);
  if (!manager) notFound();
  return (
    <WizardShell managerId={manager.id} managerName={manager.name} sync={null} current="source" remote>
      <SourceStep
        db={db}
        managerId={manager.id}
        sync={null}
        userId={user.id}
        search={await searchParams}
        action={saveSourceAction}
      />
    </WizardShell>
  );
}
