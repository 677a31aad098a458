import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { getDb } from "@/db/client";
import { requireUser } from "@/lib/auth/guard";
import { hasRole } from "@/lib/auth/roles";
import { getManager } from "@/lib/managers/queries";
import { Flash } from "@/app/_components/Flash";
import { ImportsList, importsPageQuery, readImportsPage } from "@/app/imports/ImportsList";
import { importsPath, managerPath, newImportPath } from "@/lib/paths";

export const metadata: Metadata = { title: "Imports — Contact Sync" };

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
  const pageQuery = importsPageQuery(sp);
  const listed = await readImportsPage(db, { managerId: manager.id, ...pageQuery });

  return (
    <main>
      <p className="breadcrumb">
        <Link href="/managers">Contact Managers</Link> › <Link href={managerPath(manager.id)}>{manager.name}</Link> ›
      </p>
      <div className="page-title">
        <h1>Imports</h1>
        {canEdit && (
          <div className="title-actions">
            <Link className="btn btn-primary" href={newImportPath(manager.id)}>
              Setup New Import
            </Link>
          </div>
        )}
      </div>
      <Flash notice={sp.notice} />
      <p className="muted">
        Imports keep “{manager.name}” in step with CSV files. Times of the next import are shown in the import’s own
        time zone and in yours.
      </p>
      <ImportsList
        listed={listed}
        pageQuery={pageQuery}
        canEdit={canEdit}
        managerId={manager.id}
        path={importsPath(manager.id)}
      />
    </main>
  );
}
