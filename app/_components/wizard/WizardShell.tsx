import Link from "next/link";
import type { Sync } from "@/db/schema";
import { type WizardStep, wizardSteps } from "@/lib/vocabulary";
import "@/app/_components/wizard/wizard.css";
import { importsPath, managerPath, wizardPath } from "@/lib/paths";

const labels: Record<WizardStep, string> = {
  source: "Source",
  preview: "Preview",
  mapping: "Mapping",
  schedule: "Run or schedule",
};

/**
 * The frame of every wizard page: breadcrumb, title and the step list. Steps already reached are links
 * (a draft remembers how far it got; an active sync being edited has reached every step).
 */
export function WizardShell({
  managerId,
  managerName,
  sync,
  current,
  remote,
  children,
}: {
  managerId: string;
  managerName: string;
  sync: Sync | null;
  current: WizardStep;
  /** Whether the source is remote (then there is a 4th step). Unknown on a new import: shown as "Run". */
  remote: boolean;
  children: React.ReactNode;
}) {
  const steps = remote ? wizardSteps : wizardSteps.slice(0, 3);
  const reached = sync ? (sync.state === "draft" ? sync.wizardStep : 4) : 1;
  const title = sync && sync.state !== "draft" ? `Edit import: ${sync.name}` : "Setup New Import";
  return (
    <main className="wizard">
      <p className="breadcrumb">
        <Link href="/managers">Contact Managers</Link> › <Link href={managerPath(managerId)}>{managerName}</Link> ›{" "}
        <Link href={importsPath(managerId)}>Imports</Link> ›
      </p>
      <div className="page-title">
        <h1>{title}</h1>
        {sync?.state === "draft" && <span className="muted">Draft — saved at every step</span>}
      </div>
      <nav aria-label="Import steps">
        <ol className="wizard-steps">
          {steps.map((step, i) => {
            const n = i + 1;
            const isCurrent = step === current;
            const done = !isCurrent && n < wizardSteps.indexOf(current) + 1;
            const canLink = !!sync && !isCurrent && n <= reached;
            return (
              <li key={step} aria-current={isCurrent ? "step" : undefined} className={done ? "done" : undefined}>
                {canLink ? (
                  <Link href={wizardPath(managerId, sync!.id, step)}>
                    <span className="step-name">{labels[step]}</span>
                  </Link>
                ) : (
                  <span className="step-name">{labels[step]}</span>
                )}
                {done && <span className="visually-hidden"> (done)</span>}
              </li>
            );
          })}
        </ol>
      </nav>
      {children}
    </main>
  );
}
