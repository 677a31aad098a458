import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { ScheduleForm } from "@/app/_components/wizard/ScheduleForm";
import { safetyDefaults } from "@/lib/wizard/safety-form";
import { WizardShell } from "@/app/_components/wizard/WizardShell";
import { zoneChoices } from "@/lib/schedule/zone-choices";
import { isRemote } from "@/lib/vocabulary";
import { scheduleFormDefaults, scheduleFromForm, scheduleRunTimes } from "@/lib/wizard/schedule";
import { scheduleStepSchema } from "@/lib/wizard/schemas";
import { editToken } from "@/lib/wizard/edit-token";
import { saveScheduleAction, scheduleTimesAction } from "@/app/managers/[id]/imports/[syncId]/edit/actions";
import { loadWizardPage, type WizardParams } from "@/app/managers/[id]/imports/[syncId]/edit/load";
import { PendingNotice } from "@/app/managers/[id]/imports/[syncId]/edit/PendingNotice";
import { wizardPath } from "@/lib/paths";

export const metadata: Metadata = { title: "Run or schedule the import — Contact Sync" };

export default async function ScheduleStepPage({ params }: { params: WizardParams }) {
  const { manager, sync } = await loadWizardPage(params);
  // Only remote sources can be scheduled (an upload is read once, a server can be asked again): uploads run from the mapping step.
  if (!isRemote(sync.sourceKind)) redirect(wizardPath(manager.id, sync.id, "mapping"));
  const defaults = scheduleFormDefaults(sync);
  let initialRunTimes: string[] | null = null;
  const parsed = scheduleStepSchema.safeParse(defaults);
  if (parsed.success) {
    try {
      initialRunTimes = scheduleRunTimes(scheduleFromForm(parsed.data), 5);
    } catch {
      initialRunTimes = null;
    }
  }
  return (
    <WizardShell managerId={manager.id} managerName={manager.name} sync={sync} current="schedule" remote>
      <PendingNotice managerId={manager.id} sync={sync} />
      <ScheduleForm
        key={sync.updatedAt.getTime()}
        action={saveScheduleAction}
        timesAction={scheduleTimesAction}
        managerId={manager.id}
        syncId={sync.id}
        editSince={editToken(sync)}
        defaults={defaults}
        hasStoredSchedule={!!sync.schedule}
        initialRunTimes={initialRunTimes}
        initialMode={sync.schedule || sync.state === "draft" ? "schedule" : "now"}
        timeZones={zoneChoices(new Date(), sync.schedule?.tz)}
        deleteMissing={sync.deleteMissing}
        safety={safetyDefaults(sync)}
        backHref={wizardPath(manager.id, sync.id, "mapping")}
        version={sync.updatedAt.getTime()}
      />
    </WizardShell>
  );
}
