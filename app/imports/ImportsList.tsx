import type { Db } from "@/db/client";
import { env } from "@/lib/env";
import { isAppError } from "@/lib/errors";
import { type ImportListFilter, type ImportPage, listImportsPage } from "@/lib/runs/queries";
import { ErrorBox } from "@/app/_components/Flash";
import { ImportsTable } from "@/app/_components/imports/ImportsTable";
import { CursorPagination } from "@/app/_components/Pagination";
import { deleteDraftsAction, deleteImportAction, goAction } from "@/app/imports/actions";
import { startGoReviewAction } from "@/app/managers/[id]/imports/[syncId]/review/actions";

type SearchParams = Record<string, string | string[] | undefined>;
type PageQuery = { after?: string; before?: string };
type Listed = ImportPage | (ImportPage & { error: string });

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** The page of the imports list the URL asks for: after=… or else before=… (none: the first page). */
export function importsPageQuery(sp: SearchParams): PageQuery {
  return { after: one(sp.after), before: one(sp.after) ? undefined : one(sp.before) };
}

/** That page of imports; a cursor the list cannot use leaves it empty, with the reason to show. */
export function readImportsPage(db: Db, filter: ImportListFilter & PageQuery): Promise<Listed> {
  return listImportsPage(db, filter).catch((e) => {
    if (!isAppError(e)) throw e;
    return { rows: [], nextCursor: null, prevCursor: null, error: e.message };
  });
}

/**
 * The imports list of a page (every Contact Manager's, or the one `managerId` names) with its buttons and
 * paging links; or why it could not be read.
 */
export function ImportsList({
  listed,
  pageQuery,
  canEdit,
  managerId,
  path,
}: {
  listed: Listed;
  pageQuery: PageQuery;
  canEdit: boolean;
  managerId?: string;
  /** The page's own path: its paging links, and where Go and Delete come back to. */
  path: string;
}) {
  return (
    <>
      {"error" in listed ? (
        <ErrorBox>
          <p>{listed.error}</p>
        </ErrorBox>
      ) : (
        <ImportsTable
          initialRows={listed.rows}
          managerId={managerId}
          pageQuery={pageQuery}
          canEdit={canEdit}
          showManager={managerId === undefined}
          returnTo={path}
          goAction={goAction}
          deleteAction={deleteImportAction}
          deleteDraftsAction={deleteDraftsAction}
          reviewGoAction={startGoReviewAction}
          draftRetentionDays={env.DRAFT_RETENTION_DAYS}
        />
      )}
      <CursorPagination path={path} params={{}} prevCursor={listed.prevCursor} nextCursor={listed.nextCursor} />
    </>
  );
}
