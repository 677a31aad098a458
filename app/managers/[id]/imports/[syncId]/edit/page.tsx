import { redirect } from "next/navigation";
import { stepAt } from "@/lib/vocabulary";
import { loadWizardPage, type WizardParams } from "@/app/managers/[id]/imports/[syncId]/edit/load";
import { wizardPath } from "@/lib/paths";

/** "Edit": a draft continues at the step it reached; an active import opens at its source. */
export default async function EditImportPage({ params }: { params: WizardParams }) {
  const { manager, sync } = await loadWizardPage(params);
  const step = sync.state === "draft" ? stepAt(sync.wizardStep) : "source";
  redirect(wizardPath(manager.id, sync.id, step));
}
