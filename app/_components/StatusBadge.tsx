/** Status marks: green check (ok) or yellow exclamation (warn) with a text label for screen readers. */
export function StatusBadge({
  kind,
  label,
  title,
}: {
  kind: "ok" | "warn" | "error" | "muted";
  label: string;
  title?: string;
}) {
  const icon = kind === "ok" ? "✓" : kind === "muted" ? "•" : "!";
  return (
    <span className={`status status-${kind}`} title={title}>
      <span className="status-icon" aria-hidden="true">
        {icon}
      </span>{" "}
      {label}
    </span>
  );
}
