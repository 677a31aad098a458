import { getDb } from "@/db/client";
import type { Sync } from "@/db/schema";
import { getManager } from "@/lib/managers/queries";
import { ensureOneOffSync } from "@/lib/sync/one-off";
import { runSync, type RunSummary } from "@/lib/sync/run";
import { CliFailure, output, parse, required, UsageError, type CommandContext } from "../io";

const ENCODINGS = ["auto", "utf-8", "windows-1252", "utf-16le", "utf-16be"] as const;

/**
 * Print a run summary (SPEC §8 shape). Exit status: 0 for succeeded, completed_with_errors (row errors are
 * reported in "errors", the valid rows were applied) and skipped_unchanged; 1 for failed and blocked.
 */
export function reportRun(json: boolean, summary: RunSummary): void {
  const human = `${summary.status}: ${summary.message}` + summary.errors.slice(0, 20).map((e) => `\n  line ${e.line ?? "-"}${e.column ? ` [${e.column}]` : ""}: ${e.message}`).join("");
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
  });
  const managerId = required(values.manager, "--manager");
  if (!!values.file === !!values.url) throw new UsageError("give exactly one of --file PATH or --url URL");
  if (!!values.key === !!values["auto-key"]) throw new UsageError("give exactly one of --key COLUMN or --auto-key");
  const encoding = (values.encoding ?? "auto") as Sync["encoding"];
  if (!ENCODINGS.includes(encoding)) throw new UsageError(`--encoding must be one of ${ENCODINGS.join(", ")}`);
  const delimiter = values.delimiter === "\\t" || values.delimiter === "tab" ? "\t" : (values.delimiter ?? ",");
  if ([...delimiter].length !== 1) throw new UsageError("--delimiter must be a single character");
  const map = (values.map ?? []).map((m) => {
    const i = m.indexOf("=");
    if (i <= 0 || i === m.length - 1) throw new UsageError(`--map "${m}" must look like "Column=Field"`);
    return { column: m.slice(0, i).trim(), field: m.slice(i + 1).trim() };
  });

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
  });
  const summary = await runSync({ syncId: sync.id, trigger: "cli", dryRun: !!values["dry-run"] });
  reportRun(json, summary);
}
