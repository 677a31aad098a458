import type { Metadata, Viewport } from "next";
import Link from "next/link";
import { getCurrentUser } from "@/lib/auth/guard";
import { signOut } from "@/app/_actions/session";
import "@/app/globals.css";

export const metadata: Metadata = { title: "Contact Sync", description: "Keep contact lists in step with CSV files" };
export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  const user = await getCurrentUser();
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="site-header">
          <div className="site-header-inner">
            <Link href="/managers" className="brand">
              Contact Sync
            </Link>
            {user && (
              <nav aria-label="Main" className="main-nav">
                <Link href="/managers">Contact Managers</Link>
                <Link href="/imports">Imports</Link>
                {user.role === "admin" && <Link href="/admin/users">Admin</Link>}
              </nav>
            )}
            {user && (
              <div className="session">
                <Link href="/account" className="session-user" title={`Signed in as ${user.email} (${user.role})`}>
                  {user.name || user.email} <span className="role-tag">{user.role}</span>
                </Link>
                <form action={signOut}>
                  <button type="submit" className="btn btn-secondary btn-small">
                    Sign out
                  </button>
                </form>
              </div>
            )}
          </div>
        </header>
        <div id="main" className="page">
          {children}
        </div>
      </body>
    </html>
  );
}
