import Link from "next/link";

export function AdminNav({ current }: { current: "users" | "audit" }) {
  return (
    <nav aria-label="Admin" className="sub-nav">
      <Link href="/admin/users" aria-current={current === "users" ? "page" : undefined}>Users</Link>
      <Link href="/admin/audit" aria-current={current === "audit" ? "page" : undefined}>Audit log</Link>
    </nav>
  );
}
