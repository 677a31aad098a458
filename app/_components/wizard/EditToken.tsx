/**
 * Which edit of an active import this form was shown with: the pending edit's start time, or "" when none
 * was pending. The wizard's actions refuse a step when another window has saved over, finished or discarded
 * that edit meanwhile (lib/wizard/edit-token.ts). Drafts need none: they are not live.
 */
export function EditToken({ token }: { token: string | undefined }) {
  return token === undefined ? null : <input type="hidden" name="editSince" value={token} />;
}
