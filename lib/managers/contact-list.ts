import type { Sql } from "@/db/client";
import type { Field } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { isPgTimestamptzText } from "@/lib/paging";
import { likeContains } from "@/lib/like";

/**
 * The contacts table of a manager page, fast at a million contacts:
 * - keyset paging (no OFFSET): each page is one index range scan;
 * - sort by key uses contacts_manager_key_idx (unique: manager_id, key_norm text_pattern_ops; deleted rows filtered);
 * - "key starts with" is a range on that same index (no extra index, so imports pay nothing more);
 * - "email or name contains" reads the short `search` column that imports write (search-text.ts) and has
 *   no index (a trigram index slows every import): text most contacts hold is found in key order within the
 *   first rows, rare text by a (parallel) scan of the manager's rows sorted afterwards, as the planner
 *   judges from the column's statistics; under a statement timeout, and it says so when it gives up;
 * - sort by last update has no index either (it would make every updated contact a non-HOT update):
 *   a top-N sort over the manager's live rows, also under the timeout.
 */
export const contactSorts = ["key_asc", "key_desc", "updated_desc", "updated_asc"] as const;
export type ContactSort = (typeof contactSorts)[number];
export const searchModes = ["key", "text"] as const;
export type SearchMode = (typeof searchModes)[number];

export type ContactListQuery = {
  managerId: string;
  fields: Field[];
  sort: ContactSort;
  q?: string;
  searchIn?: SearchMode;
  /** Opaque cursors from a previous page. */
  after?: string;
  before?: string;
  pageSize?: number;
};

export type ContactRow = {
  id: number;
  key: string;
  data: Record<string, string>;
  hasPassword: boolean;
  updatedAt: Date;
};

export type ContactPage = { rows: ContactRow[]; nextCursor: string | null; prevCursor: string | null };

const SEARCH_TIMEOUT_MS = 5000;

type Cursor = { k: string } | { t: string; id: number };

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

export function decodeCursor(raw: string | undefined, sort: ContactSort): Cursor | null {
  if (!raw) return null;
  try {
    const c = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    if (sort.startsWith("key") && typeof c?.k === "string" && !c.k.includes("\u0000")) return { k: c.k };
    if (
      sort.startsWith("updated") &&
      typeof c?.t === "string" &&
      Number.isSafeInteger(c?.id) &&
      isPgTimestamptzText(c.t)
    )
      return { t: c.t, id: c.id };
  } catch {
    // fall through: a bad cursor is a bad link, not a crash
  }
  throw new AppError("invalid_cursor", "This page link is no longer valid. Start again from the first page.");
}

/**
 * Normalise like keys are matched: NFC, trimmed, lower-cased; a NUL (never in stored text) and U+0001 (the
 * search text's separator) are dropped.
 */
export function normalizeSearch(q: string): string {
  return q
    .normalize("NFC")
    .replace(/[\u0000\u0001]/g, "")
    .trim()
    .toLowerCase();
}

/** The smallest string greater than every string that starts with `prefix` (byte order), or null. */
export function prefixUpperBound(prefix: string): string | null {
  const cps = Array.from(prefix);
  while (cps.length) {
    const last = cps.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) {
      const next = last === 0xd7ff ? 0xe000 : last + 1;
      return cps.join("") + String.fromCodePoint(next);
    }
  }
  return null;
}

export async function listContacts(sql: Sql, query: ContactListQuery): Promise<ContactPage> {
  const pageSize = Math.min(Math.max(query.pageSize ?? 50, 1), 200);
  const byKey = query.sort.startsWith("key");
  const ascending = query.sort === "key_asc" || query.sort === "updated_asc";
  const after = decodeCursor(query.after, query.sort);
  const before = after ? null : decodeCursor(query.before, query.sort);
  // Going back = reading the other way from the cursor, then flipping the rows.
  const forward = !before;
  const scanAsc = forward ? ascending : !ascending;
  const cursor = after ?? before;
  const q = normalizeSearch(query.q ?? "");

  type Raw = {
    id: string;
    key: string;
    key_norm: string;
    data: Record<string, string>;
    has_password: boolean;
    updated_at: Date;
    updated_text: string;
  };
  const run = (tx: Sql) => {
    const conditions = [tx`manager_id = ${query.managerId}`, tx`deleted_at is null`];
    if (q && (query.searchIn ?? "key") === "key") {
      conditions.push(tx`key_norm ~>=~ ${q}`);
      const upper = prefixUpperBound(q);
      if (upper) conditions.push(tx`key_norm ~<~ ${upper}`);
    } else if (q) {
      const pattern = likeContains(q);
      // The stored search text (lib/contacts/search-text.ts). The column alone, so that the planner judges
      // from its statistics whether a match is common (key order, stop at a page) or rare (scan, then sort).
      conditions.push(tx`search like ${pattern}`);
    }
    if (cursor && "k" in cursor) conditions.push(scanAsc ? tx`key_norm ~>~ ${cursor.k}` : tx`key_norm ~<~ ${cursor.k}`);
    if (cursor && "t" in cursor) {
      conditions.push(
        // Sent as text and cast by Postgres: typed as timestamptz, the driver would round it to milliseconds
        // through a JavaScript Date, and every contact of one import shares the same microsecond time.
        scanAsc
          ? tx`(updated_at, id) > (${cursor.t}::text::timestamptz, ${cursor.id})`
          : tx`(updated_at, id) < (${cursor.t}::text::timestamptz, ${cursor.id})`,
      );
    }
    const where = conditions.reduce((acc, c) => tx`${acc} and ${c}`);
    const order = byKey
      ? scanAsc
        ? tx`key_norm using ~<~`
        : tx`key_norm using ~>~`
      : scanAsc
        ? tx`updated_at asc, id asc`
        : tx`updated_at desc, id desc`;
    return tx<Raw[]>`
      select id, key, key_norm, data, password_hash is not null as has_password, updated_at, updated_at::text as updated_text
      from contacts where ${where} order by ${order} limit ${pageSize + 1}`;
  };

  // Sorted by key, with or without a key prefix, a page is one bounded index range scan: one round trip, no
  // transaction. Only the unindexed reads (text search, sort by last update) need the statement timeout. They
  // are planned for their own values (a plan cached for any pattern read a rare text's manager in key order,
  // 0.4-0.55 s instead of 0.2 s), run without JIT (compiling alone took 0.4 s of such a read), and a manager
  // holding less than half of all contacts is read through its key index, not by a scan of every manager's
  // rows: with 10M contacts in other managers a rare text took 1.3-1.6 s that way against 0.4 s (the planner
  // does not know that a manager's rows lie together). A manager holding most of the table is scanned, which
  // is faster for it.
  const bounded = byKey && !(q && query.searchIn === "text");
  let raw: Raw[];
  try {
    raw = bounded
      ? await run(sql)
      : ((await sql.begin(async (tx) => {
          await tx`select set_config('statement_timeout', ${String(SEARCH_TIMEOUT_MS)}, true),
            set_config('jit', 'off', true), set_config('plan_cache_mode', 'force_custom_plan', true),
            set_config('enable_seqscan', case when (select contact_count from managers where id = ${query.managerId}) * 2
              < (select reltuples from pg_class where oid = 'contacts'::regclass) then 'off' else 'on' end, true)`;
          return run(tx as unknown as Sql);
        })) as Raw[]);
  } catch (e) {
    if ((e as { code?: string }).code === "57014") {
      throw new AppError(
        "search_timeout",
        "This search took too long over so many contacts. Search by Unique Key prefix, or use more letters.",
      );
    }
    throw e;
  }

  const more = raw.length > pageSize;
  const page = raw.slice(0, pageSize);
  if (!forward) page.reverse();
  const cursorOf = (r: Raw) => encodeCursor(byKey ? { k: r.key_norm } : { t: r.updated_text, id: Number(r.id) });
  const rows = page.map((r) => ({
    id: Number(r.id),
    key: r.key,
    data: r.data ?? {},
    hasPassword: r.has_password,
    updatedAt: r.updated_at,
  }));
  const first = page[0];
  const last = page[page.length - 1];
  return {
    rows,
    nextCursor: last && (forward ? more : true) ? cursorOf(last) : null,
    prevCursor: first && (forward ? Boolean(cursor) : more) ? cursorOf(first) : null,
  };
}

/**
 * Live contacts of a manager, counted row by row (a parallel seq scan, ~0.3 s at a million): for the delete
 * confirmation, which must say exactly how many contacts go. Pages show managers.contact_count instead.
 */
export async function countContacts(sql: Sql, managerId: string): Promise<number> {
  const [{ n }] = await sql<
    { n: number }[]
  >`select count(*)::int as n from contacts where manager_id = ${managerId} and deleted_at is null`;
  return n;
}
