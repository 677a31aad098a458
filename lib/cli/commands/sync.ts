import { readFile } from "node:fs/promises";
import { asc, desc, eq, ne } from "drizzle-orm";
import { getDb } from "@/db/client";
import { runs, syncs } from "@/db/schema";
import { CliFailure, output, parse, required, UsageError, type CommandContext } from "@/lib/cli/io";

/** `sync list`: every sync (wizard and CLI ones) with its latest run. */
export async function syncList({ argv, json }: CommandContext): Promise<void> {
  parse(argv, {});
  const db = getDb();
  const list = await db.select().from(syncs).where(ne(syncs.state, "deleted")).orderBy(asc(syncs.name));
  const out = [];
  for (const s of list) {
    const [latest] = await db.select().from(runs).where(eq(runs.syncId, s.id)).orderBy(desc(runs.queuedAt)).limit(1);
    out.push({
      id: s.id,
      name: s.name,
      managerId: s.managerId,
      state: s.state,
      origin: s.origin,
      sourceKind: s.sourceKind,
      location: s.location,
      folderMode: s.folderMode,
      nextRunAt: s.nextRunAt?.toISOString() ?? null,
      latestRun: latest
        ? {
            id: latest.id,
            status: latest.status,
            trigger: latest.trigger,
            created: latest.created,
            updated: latest.updated,
            deleted: latest.deleted,
            unchanged: latest.unchanged,
            errorCount: latest.errorCount,
            message: latest.message,
            queuedAt: latest.queuedAt.toISOString(),
            finishedAt: latest.finishedAt?.toISOString() ?? null,
          }
        : null,
    });
  }
  output(
    json,
    out,
    out.map((s) => `${s.id}  ${s.state.padEnd(6)}  ${s.latestRun?.status ?? "-"}  ${s.name}`).join("\n") ||
      "No imports.",
  );
}

/** `sync run ID`: run a sync now and wait for it (same output as `import`). */
export async function syncRun({ argv, json }: CommandContext): Promise<void> {
  const { positionals } = parse(argv, {}, true);
  if (positionals.length !== 1) throw new UsageError("sync run takes exactly one sync ID");
  // The engine is loaded by the command that runs it, not by `sync list`.
  const [{ runSync }, { reportRun }] = await Promise.all([
    import("@/lib/sync/run"),
    import("@/lib/cli/commands/import"),
  ]);
  reportRun(json, await runSync({ syncId: positionals[0], trigger: "cli" }));
}

/**
 * `sync create --definition FILE.json --json`: a new import from a sync definition document (as POST
 * /api/syncs takes it); prints the import as GET /api/syncs/:id shows it.
 */
export async function syncCreate({ argv, json }: CommandContext): Promise<void> {
  const { values } = parse(argv, { definition: { type: "string" } });
  const file = required(values.definition, "--definition");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new CliFailure(`Cannot read ${file}: ${(e as Error).message}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new CliFailure(`${file} is not valid JSON.`);
  }
  const [{ createSyncFromDefinition }, { getImportRow }] = await Promise.all([
    import("@/lib/syncs/definition"),
    import("@/lib/runs/queries"),
  ]);
  const db = getDb();
  const sync = await createSyncFromDefinition(db, document, null, "cli");
  const row = await getImportRow(db, sync.id);
  output(json, row, `Created import "${sync.name}" (${sync.id}), ${sync.state}.`);
}

/** `sync export ID --json`: the import's sync definition document (secrets as {"saved": true}). */
export async function syncExport({ argv, json }: CommandContext): Promise<void> {
  const { positionals } = parse(argv, {}, true);
  if (positionals.length !== 1) throw new UsageError("sync export takes exactly one sync ID");
  const { definitionFromSync } = await import("@/lib/syncs/definition");
  const definition = await definitionFromSync(getDb(), positionals[0]);
  // The document is JSON either way: --json prints it on one line, without it indented.
  process.stdout.write(`${JSON.stringify(definition, null, json ? undefined : 2)}\n`);
}
