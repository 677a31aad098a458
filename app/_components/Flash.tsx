import { FlashNotice } from "@/app/_components/FlashNotice";

/**
 * Messages shown after a post/redirect/get: actions redirect with ?notice=<code>, pages render <Flash>.
 * Only known codes are shown (nothing from the URL is echoed). Other helpers add their codes here.
 */
export const notices: Record<string, string> = {
  signed_out: "You are signed out.",
  manager_created: "Contact Manager created.",
  manager_renamed: "Contact Manager renamed.",
  manager_deleted: "Contact Manager deleted.",
  field_added: "Field added.",
  key_field_updated: "Unique key field updated.",
  user_created: "User added.",
  user_updated: "User updated.",
  password_changed: "Password changed. Sign in with your new password.",
  run_started: "Import started. Its progress shows in the Status column.",
  import_deleted: "Import deleted. It will not run again; its run history is kept.",
  drafts_deleted: "Unfinished imports deleted.",
  import_saved: "Changes saved. The import runs with them from now on.",
  run_approved: "Run approved. The import is running now.",
  import_scheduled: "Import scheduled. Next Import shows when it runs first.",
  run_reverted: "Run reverted. The contacts are back as they were before it.",
  import_edit_discarded: "Changes discarded. The import runs as it was saved before.",
};

export function Flash({ notice }: { notice?: string | string[] }) {
  const code = Array.isArray(notice) ? notice[0] : notice;
  const text = code ? notices[code] : undefined;
  if (!text) return null;
  return <FlashNotice key={code} text={text} />;
}

/** A plain error box for pages (not forms). */
export function ErrorBox({ title, children }: { title?: string; children: React.ReactNode }) {
  return (
    <div className="error-box" role="alert">
      {title && (
        <p>
          <strong>{title}</strong>
        </p>
      )}
      {children}
    </div>
  );
}
