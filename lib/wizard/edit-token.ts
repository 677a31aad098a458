import type { Sync } from "@/db/schema";
import { AppError } from "@/lib/errors";

/** The token of an active import's edit as the page shows it (see app/_components/wizard/EditToken.tsx). */
export function editToken(sync: Pick<Sync, "state" | "pendingEdit"> | null): string | undefined {
  return sync?.state === "active" ? (sync.pendingEdit?.startedAt ?? "") : undefined;
}

/**
 * A wizard step of an active import goes on only with the edit its form was shown with: a step saved on top
 * of another window's edit, or after that edit was finished or discarded, would silently mix or drop changes.
 */
export function assertSameEdit(sync: Pick<Sync, "state" | "pendingEdit"> | null, formData: FormData): void {
  const shown = formData.get("editSince");
  if (typeof shown !== "string" || sync?.state !== "active") return;
  if (shown !== (sync.pendingEdit?.startedAt ?? ""))
    throw new AppError(
      "edit_conflict",
      "This import's changes were saved, finished or discarded in another window meanwhile. Reload the page to see them, then go on.",
    );
}
