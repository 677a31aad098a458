import { getDb } from "@/db/client";
import type { Sync } from "@/db/schema";
import { getManager } from "@/lib/managers/queries";
import { ensureOneOffSync } from "@/lib/sync/one-off";
import { runSync, type RunSummary } from "@/lib/sync/run";
import { parseGuards, parseRules, safetyOptions } from "@/lib/cli/commands/import-safety";
import { CliFailure, output, parse, required, UsageError, type CommandContext } from "@/lib/cli/io";
import { encodings, isEncoding } from "@/lib/vocabulary";

/**
 * Print a run summary (the --json shape: runId, status, counts, errors, message, fingerprint). Exit status: 0 for succeeded, completed_with_errors (row errors are
 * reported in "errors", the valid rows were applied) and skipped_unchanged; 1 for failed and blocked.
 */
export function reportRun(json: boolean, summary: RunSummary): void {
  const human =
    `${summary.status}: ${summary.message}` +
    summary.errors
      .slice(0, 20)
      .map((e) => `\n  line ${e.line ?? "-"}${e.column ? ` [${e.column}]` : ""}: ${e.message}`)
      .join("");
  if (summary.status === "failed" || summary.status === "blocked") throw new CliFailure(human, summary);
  output(json, summary, human);
}

/** `import --manager ID (--file PATH | --url URL) (--key COLUMN | --auto-key) [options]` */
export async function importCommand({ argv, json }: CommandContext): Promise<void> {
  const { values } = parse(argv, {
    manager: { type: "string" },
    file: { type: "string" },
    url: { type: "string" },
    login: { type: "string" },
    password: { type: "string" },
    delimiter: { type: "string" },
    "no-header": { type: "boolean" },
    encoding: { type: "string" },
    key: { type: "string" },
    "auto-key": { type: "boolean" },
    map: { type: "string", multiple: true },
    update: { type: "boolean" },
    "delete-missing": { type: "boolean" },
    always: { type: "boolean" },
    "dry-run": { type: "boolean" },
    "allow-private-hosts": { type: "boolean" },
    fingerprint: { type: "string" },
    "zip-member": { type: "string" },
    settle: { type: "string" },
    "ready-marker": { type: "string" },
    "after-import": { type: "string" },
    "op-column": { type: "string" },
    ...safetyOptions,
  });
  const managerId = required(values.manager, "--manager");
  if (!!values.file === !!values.url) throw new UsageError("give exactly one of --file PATH or --url URL");
  if (!!values.key === !!values["auto-key"]) throw new UsageError("give exactly one of --key COLUMN or --auto-key");
  const encoding = (values.encoding ?? "auto") as Sync["encoding"];
  if (!isEncoding(encoding)) throw new UsageError(`--encoding must be one of ${encodings.join(", ")}`);
  const delimiter = values.delimiter === "\\t" || values.delimiter === "tab" ? "\t" : (values.delimiter ?? ",");
  if ([...delimiter].length !== 1) throw new UsageError("--delimiter must be a single character");
  const map = (values.map ?? []).map((m) => {
    const i = m.indexOf("=");
    if (i <= 0 || i === m.length - 1) throw new UsageError(`--map "${m}" must look like "Column=Field"`);
    return { column: m.slice(0, i).trim(), field: m.slice(i + 1).trim() };
  });

  const settleText = values.settle ?? "30";
  if (!/^\d+$/.test(settleText)) throw new UsageError("--settle must be a whole number of seconds (0 turns it off)");
  const afterImport = values["after-import"] ?? "leave";
  if (!/^(leave|delete|move:.+)$/.test(afterImport))
    throw new UsageError("--after-import must be leave, move:FOLDER or delete");
  if (values["op-column"] !== undefined && !values["op-column"].trim())
    throw new UsageError("--op-column needs the name of a column");
  const { guards, thresholdPct } = parseGuards(values);
  const rules = parseRules(values);

  const db = getDb();
  const manager = await getManager(db, managerId);
  if (!manager) throw new CliFailure(`Contact Manager ${managerId} not found.`);
  const sync = await ensureOneOffSync(db, {
    managerId: manager.id,
    file: values.file,
    url: values.url,
    login: values.login,
    password: values.password,
    delimiter,
    hasHeader: !values["no-header"],
    encoding,
    keyColumn: values.key ?? null,
    autoKey: !!values["auto-key"],
    map,
    updateExisting: !!values.update,
    deleteMissing: !!values["delete-missing"],
    alwaysImport: !!values.always,
    allowPrivateHosts: !!values["allow-private-hosts"],
    fingerprint: values.fingerprint,
    zipMember: values["zip-member"] ?? null,
    settleSeconds: Number(settleText),
    readyMarker: values["ready-marker"] ?? null,
    afterImport,
    opColumn: values["op-column"]?.trim() ?? null,
    guards,
    thresholdPct,
    rules,
  });
  const summary = await runSync({ syncId: sync.id, trigger: "cli", dryRun: !!values["dry-run"] });
  reportRun(json, summary);
}
