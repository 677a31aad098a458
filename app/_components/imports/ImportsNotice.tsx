/** Messages after the imports pages' post/redirect/get (?notice=code). Only known codes are shown. */
const notices: Record<string, string> = {
  run_started: "Import started. Its progress shows in the Status column.",
  import_deleted: "Import deleted. It will not run again; its run history is kept.",
  run_approved: "Run approved. The import is running now.",
  import_scheduled: "Import scheduled. Next Import shows when it runs first.",
  run_reverted: "Run reverted. The contacts are back as they were before it.",
};

export function ImportsNotice({ notice }: { notice?: string | string[] }) {
  const code = Array.isArray(notice) ? notice[0] : notice;
  const text = code ? notices[code] : undefined;
  if (!text) return null;
  return (
    <div className="notice" role="status">
      <p>{text}</p>
    </div>
  );
}
