import Link from "next/link";

export function AdminNav({ current }: { current: "users" | "audit" | "outbox" | "tokens" | "webhooks" }) {
  return (
    <nav aria-label="Admin" className="sub-nav">
      <Link href="/admin/users" aria-current={current === "users" ? "page" : undefined}>
        Users
      </Link>
      <Link href="/admin/audit" aria-current={current === "audit" ? "page" : undefined}>
        Audit log
      </Link>
      <Link href="/admin/outbox" aria-current={current === "outbox" ? "page" : undefined}>
        Email outbox
      </Link>
      <Link href="/admin/tokens" aria-current={current === "tokens" ? "page" : undefined}>
        API tokens
      </Link>
      <Link href="/admin/webhooks" aria-current={current === "webhooks" ? "page" : undefined}>
        Webhooks
      </Link>
    </nav>
  );
}
