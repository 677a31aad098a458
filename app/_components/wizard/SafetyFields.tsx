"use client";

import { useId } from "react";
import { SAFETY_SECTION, type SafetyFormValues } from "@/lib/wizard/safety-form";

/**
 * The "Safety" section of an import: limits checked after planning, before anything is written. Plain
 * inputs (the form's FormData carries them); empty = off. `withThreshold`: uploads show the change
 * threshold here (server imports have it on the schedule step).
 */
export function SafetyFields({
  defaults,
  errorOf,
  withThreshold,
  deleteMissing,
}: {
  defaults: SafetyFormValues;
  errorOf: (name: string) => string | undefined;
  withThreshold: boolean;
  deleteMissing: boolean;
}) {
  const id = useId();
  const input = (name: keyof SafetyFormValues, label: string, suffix: string, hint?: string) => {
    const error = errorOf(name);
    return (
      <div className={`field narrow${error ? " field-invalid" : ""}`}>
        <label htmlFor={`${id}-${name}`}>{label}</label>
        <div className="input-with-suffix">
          <input
            id={`${id}-${name}`}
            name={name}
            type="text"
            inputMode="decimal"
            defaultValue={String(defaults[name] ?? "")}
            aria-invalid={error ? true : undefined}
            aria-describedby={
              [hint ? `${id}-${name}-hint` : "", error ? `${id}-${name}-error` : ""].join(" ").trim() || undefined
            }
          />
          <span aria-hidden="true">{suffix}</span>
        </div>
        {hint && (
          <p className="hint" id={`${id}-${name}-hint`}>
            {hint}
          </p>
        )}
        {error && (
          <p className="field-error" id={`${id}-${name}-error`}>
            {error}
          </p>
        )}
      </div>
    );
  };
  return (
    <section className="card" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Safety</h2>
      <input type="hidden" name={SAFETY_SECTION} value="1" />
      <p className="hint">
        A run that would go over a limit is not applied: it is blocked, the notification email goes out, and its run
        page lists who it would delete and update, for a staff member to approve. A limit allows its own value (at most
        4 deleted: a run deleting 4 goes through, one deleting 5 is blocked). Leave a box empty for no limit.
      </p>
      <fieldset className="inline-fields">
        <legend>At most this many contacts deleted in one run</legend>
        {input("maxDeletedPct", "Share of the contacts", "%")}
        {input("maxDeletedCount", "Number of contacts", "contacts")}
      </fieldset>
      <fieldset className="inline-fields">
        <legend>At most this many contacts updated in one run</legend>
        {input("maxUpdatedPct", "Share of the contacts", "%")}
        {input("maxUpdatedCount", "Number of contacts", "contacts")}
      </fieldset>
      <div className="inline-fields">
        {input(
          "minContacts",
          "Shares count from",
          "contacts",
          "Limits given as a share (and the change threshold) apply only once the list has at least this many contacts.",
        )}
        {withThreshold &&
          input(
            "safetyThresholdPct",
            "Change threshold",
            "%",
            deleteMissing
              ? "A run that deletes missing contacts may update and delete at most this share of them together."
              : "Applies when “Delete contacts not found” is on.",
          )}
      </div>
      <div className="field checkbox">
        <label>
          <input type="checkbox" name="guardEveryRun" value="on" defaultChecked={defaults.guardEveryRun} /> Guard every
          run
        </label>
        <p className="hint">Off: only scheduled runs are checked. On: also Go, uploads, command-line and API runs.</p>
      </div>
    </section>
  );
}
