import Link from "next/link";

/** The wizard's bottom bar: the way back on the left, the step's own buttons on the right. */
export function WizardNav({
  backHref,
  backLabel = "Back",
  children,
}: {
  backHref: string;
  backLabel?: string;
  children?: React.ReactNode;
}) {
  return (
    <div className="wizard-nav">
      <Link href={backHref} className="btn btn-secondary">
        {backLabel}
      </Link>
      {children && <div className="right">{children}</div>}
    </div>
  );
}

/**
 * A submit button of a wizard form: it sends `intent` (which of the form's actions) and shows `busyLabel`
 * while its own submission runs. Every button of the form is disabled meanwhile.
 */
export function IntentButton({
  intent,
  label,
  busyLabel,
  pending,
  submitting,
  className = "btn btn-primary",
}: {
  intent: string;
  label: string;
  busyLabel: string;
  pending: boolean;
  /** The intent being submitted (useWizardForm's `intent`). */
  submitting: string | null | undefined;
  className?: string;
}) {
  return (
    <button type="submit" name="intent" value={intent} className={className} disabled={pending}>
      {pending && submitting === intent ? busyLabel : label}
    </button>
  );
}
