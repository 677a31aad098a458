import type { Metadata } from "next";
import { isRemote } from "@/lib/vocabulary";
import { SourceStep } from "@/app/_components/wizard/SourceStep";
import { saveSourceAction } from "@/app/managers/[id]/imports/[syncId]/edit/actions";
import { WizardShell } from "@/app/_components/wizard/WizardShell";
import { loadWizardPage, type WizardParams } from "@/app/managers/[id]/imports/[syncId]/edit/load";
import { PendingNotice } from "@/app/managers/[id]/imports/[syncId]/edit/PendingNotice";

export const metadata: Metadata = { title: "Import source — Contact Sync" };

export default async function SourceStepPage({
  params,
  searchParams,
}: {
  params: WizardParams;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { user, db, manager, sync } = await loadWizardPage(params);
  return (
    <WizardShell
      managerId={manager.id}
      managerName={manager.name}
      sync={sync}
      current="source"
      remote={isRemote(sync.sourceKind)}
    >
      <PendingNotice managerId={manager.id} sync={sync} />
      <SourceStep
        db={db}
        managerId={manager.id}
        sync={sync}
        userId={user.id}
        search={await searchParams}
        action={saveSourceAction}
      />
    </WizardShell>
  );
}
