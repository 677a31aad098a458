import { type AnyColumn, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { isPgTimestamptzText } from "@/lib/paging";
import { isUuid } from "@/lib/vocabulary";

/**
 * Keyset paging of the JSON API's lists: `limit` (default 100, at most 500), `after` / `before` cursors from a
 * previous answer's `nextCursor` / `prevCursor` (null when there is no page that way). Lists run newest first
 * by (time, id); a cursor is the position of a row, opaque to clients.
 */
export const PAGE_SIZE = 100;
export const PAGE_MAX = 500;

const limitMessage = `limit must be a whole number from 1 to ${PAGE_MAX}.`;
export const pageQuerySchema = z.object({
  limit: z.coerce
    .number({ error: limitMessage })
    .int({ error: limitMessage })
    .min(1, { error: limitMessage })
    .max(PAGE_MAX, { error: limitMessage })
    .optional(),
  after: z.string().max(2000).optional(),
  before: z.string().max(2000).optional(),
});
export type PageQuery = z.output<typeof pageQuerySchema>;

export type Page<T> = { rows: T[]; nextCursor: string | null; prevCursor: string | null };

const INTEGER = /^\d{1,18}$/;

function badCursor(): AppError {
  return new AppError("invalid_cursor", "This cursor is not valid. Start again from the first page.");
}

function encode(parts: string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString("base64url");
}

function decode(raw: string | undefined, check: (parts: string[]) => boolean): string[] | null {
  if (!raw) return null;
  try {
    const parts = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    if (Array.isArray(parts) && parts.every((p) => typeof p === "string") && check(parts)) return parts;
  } catch {
    // a forged cursor is a bad request, not a crash
  }
  throw badCursor();
}

type Fetch<T> = (where: SQL | undefined, order: "asc" | "desc", limit: number) => Promise<T[]>;

/**
 * The page from `got` (up to limit + 1 rows, fetched in the direction of travel: one more than asked tells
 * whether there is another page that way), in list order, with the cursors of its first and last rows.
 */
function pageOf<T>(
  got: T[],
  limit: number,
  at: { after: string[] | null; before: string[] | null },
  position: (row: T) => string[],
): Page<T> {
  const more = got.length > limit;
  const rows = got.slice(0, limit);
  if (at.before) rows.reverse();
  const cursor = (r: T | undefined) => (r ? encode(position(r)) : null);
  return {
    rows,
    nextCursor: at.before ? cursor(rows.at(-1)) : more ? cursor(rows.at(-1)) : null,
    prevCursor: at.before ? (more ? cursor(rows[0]) : null) : at.after ? cursor(rows[0]) : null,
  };
}

/**
 * One page, newest first by (time, uuid id). `fetch` runs the query with the extra condition, the order and
 * the row count asked for; each row must carry its time as Postgres text (`_t`, microseconds kept) and `_id`.
 */
export async function newestFirstPage<T extends { _t: string; _id: string }>(
  q: PageQuery,
  cols: { time: AnyColumn | SQL; id: AnyColumn | SQL },
  fetch: Fetch<T>,
): Promise<Page<T>> {
  const valid = (p: string[]) => p.length === 2 && isPgTimestamptzText(p[0]) && isUuid(p[1]);
  const after = decode(q.after, valid);
  const before = after ? null : decode(q.before, valid);
  const limit = q.limit ?? PAGE_SIZE;
  const at = (c: string[]) => sql`(${c[0]}::timestamptz, ${c[1]}::uuid)`;
  const where = after
    ? sql`(${cols.time}, ${cols.id}) < ${at(after)}`
    : before
      ? sql`(${cols.time}, ${cols.id}) > ${at(before)}`
      : undefined;
  const got = await fetch(where, before ? "asc" : "desc", limit + 1);
  return pageOf(got, limit, { after, before }, (r) => [r._t, r._id]);
}

/** One page in ascending order of a bigint id (a run's row errors, in file order). */
export async function ascendingIdPage<T extends { id: number }>(
  q: PageQuery,
  col: AnyColumn,
  fetch: Fetch<T>,
): Promise<Page<T>> {
  const valid = (p: string[]) => p.length === 1 && INTEGER.test(p[0]);
  const after = decode(q.after, valid);
  const before = after ? null : decode(q.before, valid);
  const limit = q.limit ?? PAGE_SIZE;
  const where = after ? sql`${col} > ${after[0]}::bigint` : before ? sql`${col} < ${before[0]}::bigint` : undefined;
  const got = await fetch(where, before ? "desc" : "asc", limit + 1);
  return pageOf(got, limit, { after, before }, (r) => [String(r.id)]);
}

/** One page in ascending (name, uuid id) order: lists kept by name, such as the Contact Managers. */
export async function byNamePage<T extends { name: string; id: string }>(
  q: PageQuery,
  cols: { name: AnyColumn | SQL; id: AnyColumn | SQL },
  fetch: Fetch<T>,
): Promise<Page<T>> {
  const valid = (p: string[]) => p.length === 2 && !p[0].includes("\u0000") && isUuid(p[1]);
  const after = decode(q.after, valid);
  const before = after ? null : decode(q.before, valid);
  const limit = q.limit ?? PAGE_SIZE;
  const at = (c: string[]) => sql`(${c[0]}::text, ${c[1]}::uuid)`;
  const where = after
    ? sql`(${cols.name}, ${cols.id}) > ${at(after)}`
    : before
      ? sql`(${cols.name}, ${cols.id}) < ${at(before)}`
      : undefined;
  const got = await fetch(where, before ? "desc" : "asc", limit + 1);
  return pageOf(got, limit, { after, before }, (r) => [r.name, r.id]);
}

/** The page query of a request URL, or a 400. */
export function pageQueryOf(req: Request): PageQuery {
  const parsed = pageQuerySchema.safeParse(Object.fromEntries(new URL(req.url).searchParams));
  if (!parsed.success) throw new AppError("invalid_query", parsed.error.issues[0]?.message ?? "Invalid query.");
  return parsed.data;
}
