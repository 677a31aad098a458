/**
 * The guard and rule flags of `import`: --max-delete N|P%, --max-update N|P%, --min-contacts N,
 * --threshold P%, --guard-every-run, --merge "Field=overwrite|fill|create-only"..., --empty keep|clear and
 * --empty "Field=keep|clear"... . Malformed values are usage errors (exit 2).
 */
import { emptyRules, type GuardLimit, type Guards, mergeRules, type RuleByLabel } from "@/db/schema";
import { UsageError } from "@/lib/cli/io";
import { parseLimit } from "@/lib/sync/guards";

export const safetyOptions = {
  "max-delete": { type: "string", multiple: true },
  "max-update": { type: "string", multiple: true },
  "min-contacts": { type: "string" },
  threshold: { type: "string" },
  "guard-every-run": { type: "boolean" },
  merge: { type: "string", multiple: true },
  empty: { type: "string", multiple: true },
} as const;

export type SafetyFlags = {
  "max-delete"?: string[];
  "max-update"?: string[];
  "min-contacts"?: string;
  threshold?: string;
  "guard-every-run"?: boolean;
  merge?: string[];
  empty?: string[];
};

/** One share and/or one count, from one or two flags ("5%", "500"). */
function limitOf(flag: string, texts: string[] | undefined): GuardLimit | undefined {
  if (!texts?.length) return undefined;
  const limit: GuardLimit = {};
  for (const text of texts) {
    const parsed = parseLimit(text);
    if (!parsed) throw new UsageError(`${flag} must be a count (500) or a share (5%), not "${text}"`);
    if ("pct" in parsed) {
      if (limit.pct !== undefined) throw new UsageError(`${flag} takes at most one share`);
      limit.pct = parsed.pct;
    } else {
      if (limit.count !== undefined) throw new UsageError(`${flag} takes at most one count`);
      limit.count = parsed.count;
    }
  }
  return limit;
}

export function parseGuards(v: SafetyFlags): { guards: Guards; thresholdPct: number } {
  const guards: Guards = {};
  const maxDeleted = limitOf("--max-delete", v["max-delete"]);
  const maxUpdated = limitOf("--max-update", v["max-update"]);
  if (maxDeleted) guards.maxDeleted = maxDeleted;
  if (maxUpdated) guards.maxUpdated = maxUpdated;
  if (v["min-contacts"] !== undefined) {
    if (!/^\d{1,9}$/.test(v["min-contacts"].trim()))
      throw new UsageError(`--min-contacts must be a whole number, not "${v["min-contacts"]}"`);
    guards.minContacts = Number(v["min-contacts"]);
  }
  let thresholdPct = 10;
  if (v.threshold !== undefined) {
    const parsed = parseLimit(v.threshold.trim().endsWith("%") ? v.threshold : `${v.threshold}%`);
    if (!parsed || !("pct" in parsed))
      throw new UsageError(`--threshold must be a share from 0% to 100%, not "${v.threshold}"`);
    thresholdPct = parsed.pct;
  }
  if (v["guard-every-run"]) guards.everyRun = true;
  guards.given = { threshold: v.threshold !== undefined, maxDeleted: !!maxDeleted, maxUpdated: !!maxUpdated };
  return { guards, thresholdPct };
}

/** --merge and --empty as rules by field label (null: every field). */
export function parseRules(v: SafetyFlags): RuleByLabel[] {
  const rules: RuleByLabel[] = [];
  for (const text of v.merge ?? []) {
    const i = text.lastIndexOf("=");
    const field = text.slice(0, Math.max(i, 0)).trim();
    const merge = text.slice(i + 1).trim() as RuleByLabel["merge"];
    if (i <= 0 || !field || !mergeRules.includes(merge!))
      throw new UsageError(`--merge "${text}" must look like "Field=${mergeRules.join("|")}"`);
    rules.push({ field, merge });
  }
  for (const text of v.empty ?? []) {
    const i = text.lastIndexOf("=");
    const field = i < 0 ? null : text.slice(0, i).trim();
    const empty = text.slice(i + 1).trim() as RuleByLabel["empty"];
    if (field === "" || !emptyRules.includes(empty!))
      throw new UsageError(`--empty "${text}" must be keep or clear, or look like "Field=keep|clear"`);
    rules.push({ field, empty });
  }
  return rules;
}
