import Link from "next/link";

export function AdminNav({ current }: { current: "users" | "audit" | "outbox" }) {
  return (
    <nav aria-label="Admin" className="sub-nav">
      <Link href="/admin/users" aria-current={current === "users" ? "page" : undefined}>Users</Link>
      <Link href="/admin/audit" aria-current={current === "audit" ? "page" : undefined}>Audit log</Link>
      <Link href="/admin/outbox" aria-current={current === "outbox" ? "page" : undefined}>Email outbox</Link>
    </nav>
  );
}
