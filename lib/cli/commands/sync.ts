import { asc, desc, eq, ne } from "drizzle-orm";
import { getDb } from "@/db/client";
import { runs, syncs } from "@/db/schema";
import { runSync } from "@/lib/sync/run";
import { output, parse, UsageError, type CommandContext } from "../io";
import { reportRun } from "./import";

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
  output(json, out, out.map((s) => `${s.id}  ${s.state.padEnd(6)}  ${s.latestRun?.status ?? "-"}  ${s.name}`).join("\n") || "No imports.");
}

/** `sync run ID`: run a sync now and wait for it (same output as `import`). */
export async function syncRun({ argv, json }: CommandContext): Promise<void> {
  const { positionals } = parse(argv, {}, true);
  if (positionals.length !== 1) throw new UsageError("sync run takes exactly one sync ID");
  reportRun(json, await runSync({ syncId: positionals[0], trigger: "cli" }));
}
