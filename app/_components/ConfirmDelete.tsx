import { ActionForm } from "@/app/_components/ActionForm";
import { FormField } from "@/app/_components/FormField";
import { SubmitButton } from "@/app/_components/SubmitButton";
import type { ActionState } from "@/lib/auth/guard";

/**
 * A delete confirmation that works without JavaScript: the user types the name of what goes away.
 * The action must compare `confirmName` with the real name on the server.
 */
export function ConfirmDelete({
  action,
  hidden,
  name,
  what,
  consequences,
  cancelHref,
}: {
  action: (prev: ActionState, formData: FormData) => Promise<ActionState>;
  hidden: Record<string, string>;
  name: string;
  what: string;
  consequences: React.ReactNode;
  cancelHref: string;
}) {
  return (
    <ActionForm action={action} className="card danger-zone" ariaLabel={`Delete ${what}`}>
      {Object.entries(hidden).map(([k, v]) => (
        <input key={k} type="hidden" name={k} value={v} />
      ))}
      <div className="consequences">{consequences}</div>
      <FormField
        name="confirmName"
        label={`Type the ${what}'s name, “${name}”, to confirm`}
        required
        autoComplete="off"
      />
      <div className="actions">
        <SubmitButton variant="danger" pendingLabel="Deleting…">
          Delete {what}
        </SubmitButton>
        <a className="btn btn-secondary" href={cancelHref}>
          Cancel
        </a>
      </div>
    </ActionForm>
  );
}
