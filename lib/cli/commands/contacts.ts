import { once } from "node:events";
import { getDb, getSql } from "@/db/client";
import { exportContactsCsv, exportContactsJson } from "@/lib/contacts/export";
import { getManager } from "@/lib/managers/queries";
import { CliFailure, parse, required, UsageError, type CommandContext } from "@/lib/cli/io";

/** `contacts export --manager ID --format json|csv`: the document goes to stdout, streamed. */
export async function contactsExport({ argv }: CommandContext): Promise<void> {
  const { values } = parse(argv, { manager: { type: "string" }, format: { type: "string" } });
  const managerId = required(values.manager, "--manager");
  const format = values.format ?? "json";
  if (format !== "json" && format !== "csv") throw new UsageError("--format must be json or csv");
  const manager = await getManager(getDb(), managerId);
  if (!manager) throw new CliFailure(`Contact Manager ${managerId} not found.`);
  const chunks = (format === "json" ? exportContactsJson : exportContactsCsv)(getSql(), manager.id, manager.fields);
  for await (const chunk of chunks) if (!process.stdout.write(chunk)) await once(process.stdout, "drain");
}
