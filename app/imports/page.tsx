import type { Metadata } from "next";
import Link from "next/link";
import { getDb } from "@/db/client";
import { requireUser } from "@/lib/auth/guard";
import { hasRole } from "@/lib/auth/roles";
import { listManagers } from "@/lib/managers/queries";
import { listImportsPage } from "@/lib/runs/queries";
import { CursorPagination } from "@/app/_components/Pagination";
import { isAppError } from "@/lib/errors";
import { ErrorBox, Flash } from "@/app/_components/Flash";
import { ImportsTable } from "@/app/_components/imports/ImportsTable";
import { deleteImportAction, goAction } from "./actions";

export const metadata: Metadata = { title: "All imports — Contact Sync" };

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** Every import of every Contact Manager, a page (IMPORTS_PAGE_SIZE) at a time. */
export default async function AllImportsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser("viewer");
  const sp = await searchParams;
  const db = getDb();
  const canEdit = hasRole(user.role, "editor");
  const pageQuery = { after: one(sp.after), before: one(sp.after) ? undefined : one(sp.before) };
  const [listed, managers] = await Promise.all([
    listImportsPage(db, pageQuery).catch((e) => {
      if (!isAppError(e)) throw e;
      return { rows: [], nextCursor: null, prevCursor: null, error: e.message };
    }),
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
              <option value="" disabled>Choose a Contact Manager…</option>
              {managers.map((m) => (
                <option key={m.id} value={m.id}>{m.name}</option>
              ))}
            </select>
            <button type="submit" className="btn btn-primary">Setup New Import</button>
          </form>
        )}
      </div>
      <Flash notice={sp.notice} />
      <p className="muted">
        All imports of all Contact Managers. {canEdit && managers.length === 0 && <>Create a <Link href="/managers">Contact Manager</Link> first.</>}
      </p>
      {"error" in listed ? (
        <ErrorBox><p>{listed.error}</p></ErrorBox>
      ) : (
        <ImportsTable
          initialRows={listed.rows}
          pageQuery={pageQuery}
          canEdit={canEdit}
          showManager
          returnTo="/imports"
          goAction={goAction}
          deleteAction={deleteImportAction}
        />
      )}
      <CursorPagination path="/imports" params={{}} prevCursor={listed.prevCursor} nextCursor={listed.nextCursor} />
    </main>
  );
}
