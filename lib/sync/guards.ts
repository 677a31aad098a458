/**
 * Guards: per-sync limits checked after planning, before anything is applied (pure functions; run.ts asks
 * which are in force for a run and whether its plan breaks one). A run that breaks one is blocked.
 *
 * - change threshold (the sync's safety_threshold_pct): (updated + deleted) / live contacts, for runs that
 *   delete missing contacts;
 * - max deleted / max updated: a share of the live contacts and/or a count;
 * - min contacts: share limits (the threshold included) apply only from this many live contacts on;
 * - scope: scheduled runs; with "guard every run" also Go, upload, CLI and API runs; a guard given on the
 *   CLI applies to that CLI run. Approval runs are checked against what was approved instead (plan.ts).
 *
 * A limit allows its own value; a share compares exactly, in whole contacts (count × 100 ≤ pct × live, in
 * integers: the share has two decimals).
 */
import type { GuardLimit, Guards } from "@/db/schema";

export type GuardSettings = Guards & { thresholdPct: number };

/** Guards given on the command line of a CLI import: in force for that run, whatever "guard every run" says. */
export type GivenGuards = NonNullable<Guards["given"]>;

/** The guards a run must respect; null when none is in force. */
export type GuardsInForce = {
  /** The change threshold in percent, or null when it does not apply to this run. */
  thresholdPct: number | null;
  maxDeleted: GuardLimit | null;
  maxUpdated: GuardLimit | null;
  minContacts: number;
  scheduled: boolean;
};

export function guardsInForce(
  settings: GuardSettings,
  run: { trigger: string; deleteMissing: boolean; given?: GivenGuards },
): GuardsInForce | null {
  if (run.trigger === "approval") return null;
  const scoped = run.trigger === "schedule" || !!settings.everyRun;
  const given = run.trigger === "cli" ? (run.given ?? {}) : {};
  const active = (limit: GuardLimit | undefined, isGiven: boolean | undefined): GuardLimit | null =>
    (scoped || isGiven) && limit && (limit.count !== undefined || limit.pct !== undefined) ? limit : null;
  const out: GuardsInForce = {
    thresholdPct: run.deleteMissing && (scoped || given.threshold) ? settings.thresholdPct : null,
    maxDeleted: active(settings.maxDeleted, given.maxDeleted),
    maxUpdated: active(settings.maxUpdated, given.maxUpdated),
    minContacts: settings.minContacts ?? 0,
    scheduled: run.trigger === "schedule",
  };
  return out.thresholdPct === null && !out.maxDeleted && !out.maxUpdated ? null : out;
}

/** `part` is at most `pct` percent of `whole`, exactly (pct has at most two decimals). */
export function withinShare(part: number, whole: number, pct: number): boolean {
  return part * 10_000 <= Math.round(pct * 100) * whole;
}

const n = (v: number) => v.toLocaleString("en");
const pctText = (part: number, whole: number) => (whole ? ((part / whole) * 100).toFixed(1) : "0.0");

/**
 * The reasons a plan breaks the guards in force (empty: it may be applied). `existing` is the manager's
 * live contacts before the run.
 */
export function guardViolations(
  plan: { existing: number; updated: number; deleted: number },
  guards: GuardsInForce,
): string[] {
  const { existing } = plan;
  const sharesApply = existing > 0 && existing >= guards.minContacts;
  const out: string[] = [];
  const check = (what: "delete" | "update", done: number, limit: GuardLimit | null) => {
    if (!limit) return;
    if (limit.count !== undefined && done > limit.count)
      out.push(`would ${what} ${n(done)} contacts, more than the limit of ${n(limit.count)}`);
    else if (limit.pct !== undefined && sharesApply && !withinShare(done, existing, limit.pct))
      out.push(
        `would ${what} ${n(done)} of ${n(existing)} contacts (${pctText(done, existing)}%), more than the limit of ${limit.pct}%`,
      );
  };
  check("delete", plan.deleted, guards.maxDeleted);
  check("update", plan.updated, guards.maxUpdated);
  if (guards.thresholdPct !== null && sharesApply) {
    const changed = plan.updated + plan.deleted;
    if (!withinShare(changed, existing, guards.thresholdPct))
      out.push(
        `would change ${n(changed)} of ${n(existing)} contacts (${n(plan.updated)} updated, ${n(plan.deleted)} deleted — ` +
          `${pctText(changed, existing)}%), more than the safety threshold of ${guards.thresholdPct}%`,
      );
  }
  return out;
}

/** The blocked run's message: every guard it breaks, and what a staff member can do. */
export function guardBlockMessage(violations: string[], scheduled: boolean): string {
  const what = scheduled ? "this scheduled import" : "this import";
  return `Not applied: ${what} ${violations.join("; and it ")}. A staff member can approve this run from the imports list.`;
}

/** Parse a limit as written on the CLI or in a form: "500" (a count) or "5%" / "2.5%" (a share). */
export function parseLimit(text: string): { count: number } | { pct: number } | null {
  const t = text.trim();
  const share = /^(\d{1,3}(?:\.\d{1,2})?)\s*%$/.exec(t);
  if (share) {
    const pct = Number(share[1]);
    return pct <= 100 ? { pct } : null;
  }
  if (/^\d{1,9}$/.test(t)) return { count: Number(t) };
  return null;
}

/** A limit as the forms and the CLI write it ("500", "5%", "5% or 500"). */
export function limitText(limit: GuardLimit | undefined | null): string {
  if (!limit) return "";
  const parts: string[] = [];
  if (limit.pct !== undefined) parts.push(`${limit.pct}%`);
  if (limit.count !== undefined) parts.push(String(limit.count));
  return parts.join(" and ");
}
