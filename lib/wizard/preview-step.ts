import type { Db } from "@/db/client";
import type { Sync } from "@/db/schema";
import { saveDefinition } from "@/lib/wizard/draft-store";

/** Step 2's "use Semicolon?" suggestion: the delimiter and encoding the preview found better. */
export async function applyParseSuggestion(
  db: Db,
  sync: Sync,
  input: { delimiter: string; encoding: Sync["encoding"] },
): Promise<void> {
  await saveDefinition(db, sync, { delimiter: input.delimiter, encoding: input.encoding });
}

/**
 * Pin an SFTP host key on first use: the preview's connection to a server whose key is not pinned yet stores
 * the key it saw (a draft's column, or an active import's pending edit). Returns the sync as now stored.
 */
export async function pinFirstHostKey(db: Db, sync: Sync, seenHostKey: string | undefined): Promise<Sync> {
  if (sync.sourceKind !== "sftp" || sync.hostKeyFingerprint || !seenHostKey) return sync;
  return saveDefinition(db, sync, { hostKeyFingerprint: seenHostKey });
}
