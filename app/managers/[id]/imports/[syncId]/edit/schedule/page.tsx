import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { ScheduleForm } from "@/app/_components/wizard/ScheduleForm";
import { WizardShell } from "@/app/_components/wizard/WizardShell";
import { isRemote } from "@/lib/sync/draft";
import { wizardPath } from "@/lib/wizard/paths";
import { scheduleFormDefaults, scheduleFromForm, scheduleRunTimes } from "@/lib/wizard/schedule";
import { scheduleStepSchema } from "@/lib/wizard/schemas";
import { editToken } from "@/lib/wizard/edit-token";
import { saveScheduleAction, scheduleTimesAction } from "../actions";
import { loadWizardPage, type WizardParams } from "../load";
import { PendingNotice } from "../PendingNotice";

export const metadata: Metadata = { title: "Run or schedule the import — Contact Sync" };

function timeZones(): string[] {
  const list = Intl.supportedValuesOf("timeZone");
  return list.includes("UTC") ? list : ["UTC", ...list];
}

export default async function ScheduleStepPage({ params }: { params: WizardParams }) {
  const { manager, sync } = await loadWizardPage(params);
  // Only remote sources can be scheduled (SPEC §6): uploads run from the mapping step.
  if (!isRemote(sync)) redirect(wizardPath(manager.id, sync.id, "mapping"));
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
        timeZones={timeZones()}
        deleteMissing={sync.deleteMissing}
        backHref={wizardPath(manager.id, sync.id, "mapping")}
        version={sync.updatedAt.getTime()}
      />
    </WizardShell>
  );
}
