"use client";

import type { Ref } from "react";
import { EditToken } from "@/app/_components/wizard/EditToken";
import type { useWizardForm, WizardState } from "@/app/_components/wizard/useWizardForm";

/**
 * A wizard step's <form>, bound to useWizardForm (`formAction`, `onSubmit`, `jsReady`): it posts which
 * Contact Manager and import it is for, and the edit it was shown with (EditToken).
 */
export function WizardForm({
  wizard,
  label,
  managerId,
  syncId,
  editSince,
  formRef,
  children,
}: {
  wizard: Pick<ReturnType<typeof useWizardForm>, "jsReady" | "formAction" | "onSubmit">;
  /** The form's accessible name. */
  label: string;
  managerId: string;
  /** "" before the import exists (the first step of a new one). */
  syncId: string;
  /** The edit of an active import this form shows (EditToken); undefined for a draft. */
  editSince?: string;
  formRef?: Ref<HTMLFormElement>;
  children: React.ReactNode;
}) {
  return (
    <form
      ref={formRef}
      className={`wizard-form${wizard.jsReady ? " js-ready" : ""}`}
      action={wizard.formAction}
      onSubmit={wizard.onSubmit}
      noValidate
      aria-label={label}
    >
      <input type="hidden" name="managerId" value={managerId} />
      <input type="hidden" name="syncId" value={syncId} />
      <EditToken token={editSince} />
      {children}
    </form>
  );
}

/** What the step's action answered: a notice when it went well, else an alert. */
export function StepMessage({ state }: { state: WizardState }) {
  if (!state.message) return null;
  return (
    <div className={state.ok ? "notice" : "error-box"} role={state.ok ? "status" : "alert"}>
      <p>{state.message}</p>
    </div>
  );
}
