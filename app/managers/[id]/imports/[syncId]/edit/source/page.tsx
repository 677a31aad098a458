import type { Metadata } from "next";
import { isRemote } from "@/lib/sync/draft";
import { SourceStep } from "@/app/_components/wizard/SourceStep";
import { WizardShell } from "@/app/_components/wizard/WizardShell";
import { loadWizardPage, type WizardParams } from "../load";
import { PendingNotice } from "../PendingNotice";

export const metadata: Metadata = { title: "Import source — Contact Sync" };

export default async function SourceStepPage({ params, searchParams }: { params: WizardParams; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { user, db, manager, sync } = await loadWizardPage(params);
  return (
    <WizardShell managerId={manager.id} managerName={manager.name} sync={sync} current="source" remote={isRemote(sync)}>
      <PendingNotice managerId={manager.id} sync={sync} />
      <SourceStep db={db} managerId={manager.id} sync={sync} userId={user.id} search={await searchParams} />
    </WizardShell>
  );
}
