import Link from "next/link";

/** Builds a link to the current page with some query parameters changed (undefined removes one). */
export function hrefWith(
  path: string,
  params: Record<string, string | undefined>,
  changes: Record<string, string | undefined>,
): string {
  const merged = { ...params, ...changes };
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(merged)) if (v !== undefined && v !== "") qs.set(k, v);
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

/** Keyset paging (cursors): First / Previous / Next. */
export function CursorPagination({
  path,
  params,
  prevCursor,
  nextCursor,
}: {
  path: string;
  params: Record<string, string | undefined>;
  prevCursor: string | null;
  nextCursor: string | null;
}) {
  if (!prevCursor && !nextCursor) return null;
  const base = { ...params, after: undefined, before: undefined };
  return (
    <nav className="pagination" aria-label="Pages">
      {prevCursor ? <Link href={hrefWith(path, base, {})}>« First</Link> : <span aria-disabled="true">« First</span>}
      {prevCursor ? (
        <Link href={hrefWith(path, base, { before: prevCursor })} rel="prev">
          ‹ Previous
        </Link>
      ) : (
        <span aria-disabled="true">‹ Previous</span>
      )}
      {nextCursor ? (
        <Link href={hrefWith(path, base, { after: nextCursor })} rel="next">
          Next ›
        </Link>
      ) : (
        <span aria-disabled="true">Next ›</span>
      )}
    </nav>
  );
}

/** Numbered paging for small lists (page=N), e.g. the audit log. */
export function PagePagination({
  path,
  params,
  page,
  pageCount,
}: {
  path: string;
  params: Record<string, string | undefined>;
  page: number;
  pageCount: number;
}) {
  if (pageCount <= 1) return null;
  return (
    <nav className="pagination" aria-label="Pages">
      {page > 1 ? (
        <Link href={hrefWith(path, params, { page: String(page - 1) })} rel="prev">
          ‹ Previous
        </Link>
      ) : (
        <span aria-disabled="true">‹ Previous</span>
      )}
      <span>
        Page {page} of {pageCount}
      </span>
      {page < pageCount ? (
        <Link href={hrefWith(path, params, { page: String(page + 1) })} rel="next">
          Next ›
        </Link>
      ) : (
        <span aria-disabled="true">Next ›</span>
      )}
    </nav>
  );
}

/** A positive integer from a search parameter, clamped to [1, max]. */
export function pageNumber(raw: string | string[] | undefined, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(Array.isArray(raw) ? raw[0] : raw);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, max) : 1;
}
