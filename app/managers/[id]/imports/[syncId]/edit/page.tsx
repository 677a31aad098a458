import { redirect } from "next/navigation";
import { wizardPath, type WizardPage } from "@/lib/wizard/paths";
import { loadWizardPage, type WizardParams } from "./load";

const byNumber: WizardPage[] = ["source", "source", "preview", "mapping", "schedule"];

/** "Edit": a draft continues at the step it reached; an active import opens at its source. */
export default async function EditImportPage({ params }: { params: WizardParams }) {
  const { manager, sync } = await loadWizardPage(params);
  const step = sync.state === "draft" ? (byNumber[sync.wizardStep] ?? "source") : "source";
  redirect(wizardPath(manager.id, sync.id, step));
}
