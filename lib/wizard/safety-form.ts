/**
 * The wizard's "Safety" section: the guards of a sync as form fields (shares and counts as separate inputs,
 * empty = off) and back. Pure; the mapping step (uploads) and the schedule step (server imports) save it.
 */
import type { Guards } from "@/db/schema";
import type { FieldErrors } from "@/lib/wizard/schemas";

export type SafetyFormValues = {
  maxDeletedPct: string;
  maxDeletedCount: string;
  maxUpdatedPct: string;
  maxUpdatedCount: string;
  minContacts: string;
  guardEveryRun: boolean;
  safetyThresholdPct: string;
};

export function safetyDefaults(sync: { guards: Guards | null; safetyThresholdPct: number | null }): SafetyFormValues {
  const g = sync.guards ?? {};
  const s = (v: number | undefined) => (v === undefined ? "" : String(v));
  return {
    maxDeletedPct: s(g.maxDeleted?.pct),
    maxDeletedCount: s(g.maxDeleted?.count),
    maxUpdatedPct: s(g.maxUpdated?.pct),
    maxUpdatedCount: s(g.maxUpdated?.count),
    minContacts: s(g.minContacts),
    guardEveryRun: !!g.everyRun,
    safetyThresholdPct: String(sync.safetyThresholdPct ?? 10),
  };
}

const text = (form: FormData, name: string) => String(form.get(name) ?? "").trim();

/** The hidden input that says a form carries the Safety section (a form without it leaves the guards alone). */
export const SAFETY_SECTION = "safetySection";

/**
 * The guards from a submitted form; null when the form has no Safety section. `withThreshold`: read the
 * change threshold too when the form has it (uploads; the schedule step has its own field). Returns field
 * errors for values that are not numbers in range.
 */
export function parseSafetyForm(
  form: FormData,
  withThreshold: boolean,
): { ok: true; guards: Guards; thresholdPct?: number } | { ok: false; errors: FieldErrors } | null {
  if (!form.has(SAFETY_SECTION)) return null;
  const errors: FieldErrors = {};
  const pct = (name: string) => {
    const v = text(form, name).replace(/%$/, "").trim();
    if (v === "") return undefined;
    if (!/^\d{1,3}(\.\d{1,2})?$/.test(v) || Number(v) > 100) {
      errors[name] = "Enter a percentage from 0 to 100 (two decimals at most), or leave it empty.";
      return undefined;
    }
    return Number(v);
  };
  const count = (name: string) => {
    const v = text(form, name);
    if (v === "") return undefined;
    if (!/^\d{1,9}$/.test(v)) {
      errors[name] = "Enter a whole number of contacts, or leave it empty.";
      return undefined;
    }
    return Number(v);
  };
  const limit = (p: number | undefined, c: number | undefined) =>
    p === undefined && c === undefined
      ? undefined
      : { ...(p !== undefined ? { pct: p } : {}), ...(c !== undefined ? { count: c } : {}) };
  const guards: Guards = {};
  const maxDeleted = limit(pct("maxDeletedPct"), count("maxDeletedCount"));
  const maxUpdated = limit(pct("maxUpdatedPct"), count("maxUpdatedCount"));
  const minContacts = count("minContacts");
  if (maxDeleted) guards.maxDeleted = maxDeleted;
  if (maxUpdated) guards.maxUpdated = maxUpdated;
  if (minContacts !== undefined) guards.minContacts = minContacts;
  if (form.get("guardEveryRun")) guards.everyRun = true;
  let thresholdPct: number | undefined;
  if (withThreshold && form.has("safetyThresholdPct")) {
    thresholdPct = pct("safetyThresholdPct");
    if (thresholdPct === undefined && !errors.safetyThresholdPct)
      errors.safetyThresholdPct = "Enter a percentage from 0 to 100.";
  }
  if (Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, guards, ...(withThreshold ? { thresholdPct } : {}) };
}
