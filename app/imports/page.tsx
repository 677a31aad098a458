import type { Metadata } from "next";
import Link from "next/link";
import { getDb } from "@/db/client";
import { requireUser } from "@/lib/auth/guard";
import { hasRole } from "@/lib/auth/roles";
import { listManagers } from "@/lib/managers/queries";
import { Flash } from "@/app/_components/Flash";
import { ImportsList, importsPageQuery, readImportsPage } from "@/app/imports/ImportsList";

export const metadata: Metadata = { title: "All imports — Contact Sync" };

/** Every import of every Contact Manager, a page (IMPORTS_PAGE_SIZE) at a time. */
export default async function AllImportsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const user = await requireUser("viewer");
  const sp = await searchParams;
  const db = getDb();
  const canEdit = hasRole(user.role, "editor");
  const pageQuery = importsPageQuery(sp);
  const [listed, managers] = await Promise.all([
    readImportsPage(db, pageQuery),
    canEdit ? listManagers(db) : Promise.resolve([]),
  ]);

  return (
    <main>
      <div className="page-title">
        <h1>Imports</h1>
        {canEdit && managers.length > 0 && (
          <form method="get" action="/imports/new" className="title-actions inline-form">
            <label htmlFor="new-import-manager">New import into</label>
            <select id="new-import-manager" name="managerId" required defaultValue="">
              <option value="" disabled>
                Choose a Contact Manager…
              </option>
              {managers.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name}
                </option>
              ))}
            </select>
            <button type="submit" className="btn btn-primary">
              Setup New Import
            </button>
          </form>
        )}
      </div>
      <Flash notice={sp.notice} />
      <p className="muted">
        All imports of all Contact Managers.{" "}
        {canEdit && managers.length === 0 && (
          <>
            Create a <Link href="/managers">Contact Manager</Link> first.
          </>
        )}
      </p>
      <ImportsList listed={listed} pageQuery={pageQuery} canEdit={canEdit} path="/imports" />
    </main>
  );
}
