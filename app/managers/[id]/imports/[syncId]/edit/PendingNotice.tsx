import { LocalTime } from "@/app/_components/imports/LocalTime";
import type { Sync } from "@/db/schema";
import { ActionForm } from "@/app/_components/ActionForm";
import { SubmitButton } from "@/app/_components/SubmitButton";
import { discardEditAction } from "@/app/managers/[id]/imports/[syncId]/edit/actions";

/**
 * On every step while an ACTIVE import is edited: the changes are saved as a pending edit, not live until the
 * wizard is finished; "Discard changes" drops them. Drafts show nothing (they are not live yet).
 */
export function PendingNotice({ managerId, sync }: { managerId: string; sync: Sync }) {
  if (sync.state === "draft") return null;
  const since = sync.pendingEdit ? new Date(sync.pendingEdit.startedAt) : null;
  return (
    <div className="warn-box" role="status" aria-label="Unfinished changes">
      <p>
        <strong>Changes are not live until you finish the last step.</strong> Until then this import keeps running with
        its saved settings (scheduled runs and “Go” included).
        {since && (
          <>
            {" "}
            You have unfinished changes from <LocalTime iso={since.toISOString()} />: they are filled in below.
          </>
        )}
      </p>
      {sync.pendingEdit && (
        <ActionForm action={discardEditAction} className="inline-form" ariaLabel="Discard changes">
          <input type="hidden" name="managerId" value={managerId} />
          <input type="hidden" name="syncId" value={sync.id} />
          <SubmitButton variant="secondary" pendingLabel="Discarding…">
            Discard changes
          </SubmitButton>
        </ActionForm>
      )}
    </div>
  );
}
