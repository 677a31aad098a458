import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { getDb } from "@/db/client";
import { requireUser } from "@/lib/auth/guard";
import { hasRole } from "@/lib/auth/roles";
import { getManager } from "@/lib/managers/queries";
import { listImportsPage } from "@/lib/runs/queries";
import { CursorPagination } from "@/app/_components/Pagination";
import { isAppError } from "@/lib/errors";
import { ErrorBox, Flash } from "@/app/_components/Flash";
import { ImportsTable } from "@/app/_components/imports/ImportsTable";
import { deleteImportAction, goAction } from "@/app/imports/actions";

export const metadata: Metadata = { title: "Imports — Contact Sync" };

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** The imports of one Contact Manager (the seed product's "List of imports"). */
export default async function ManagerImportsPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const user = await requireUser("viewer");
  const { id } = await params;
  const sp = await searchParams;
  const db = getDb();
  const manager = await getManager(db, id);
  if (!manager) notFound();
  const canEdit = hasRole(user.role, "editor");
  const pageQuery = { after: one(sp.after), before: one(sp.after) ? undefined : one(sp.before) };
  const listed = await listImportsPage(db, { managerId: manager.id, ...pageQuery }).catch((e) => {
    if (!isAppError(e)) throw e;
    return { rows: [], nextCursor: null, prevCursor: null, error: e.message };
  });

  return (
    <main>
      <p className="breadcrumb">
        <Link href="/managers">Contact Managers</Link> › <Link href={`/managers/${manager.id}`}>{manager.name}</Link> ›
      </p>
      <div className="page-title">
        <h1>Imports</h1>
        {canEdit && (
          <div className="title-actions">
            <Link className="btn btn-primary" href={`/managers/${manager.id}/imports/new`}>Setup New Import</Link>
          </div>
        )}
      </div>
      <Flash notice={sp.notice} />
      <p className="muted">
        Imports keep “{manager.name}” in step with CSV files. Times of the next import are shown in the import’s own time zone and in yours.
      </p>
      {"error" in listed ? (
        <ErrorBox><p>{listed.error}</p></ErrorBox>
      ) : (
        <ImportsTable
          initialRows={listed.rows}
          managerId={manager.id}
          pageQuery={pageQuery}
          canEdit={canEdit}
          showManager={false}
          returnTo={`/managers/${manager.id}/imports`}
          goAction={goAction}
          deleteAction={deleteImportAction}
        />
      )}
      <CursorPagination path={`/managers/${manager.id}/imports`} params={{}} prevCursor={listed.prevCursor} nextCursor={listed.nextCursor} />
    </main>
  );
}
