import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { getDb, getSql } from "@/db/client";
import { requireUser } from "@/lib/auth/guard";
import { hasRole } from "@/lib/auth/roles";
import { isAppError } from "@/lib/errors";
import {
  contactSorts,
  listContacts,
  searchModes,
  type ContactPage,
  type ContactSort,
  type SearchMode,
} from "@/lib/managers/contact-list";
import { getManager, keyFieldLocked } from "@/lib/managers/queries";
import { ErrorBox, Flash } from "@/app/_components/Flash";
import { CursorPagination, hrefWith } from "@/app/_components/Pagination";
import { ViewerZone } from "@/app/_components/imports/LocalTime";
import { ContactRows, type ContactRowData } from "@/app/managers/[id]/ContactRows";
import { FieldsTable } from "@/app/managers/[id]/FieldsTable";
import { importsPath, managerDeletePath, managerPath, managerSettingsPath } from "@/lib/paths";

export const metadata: Metadata = { title: "Contact Manager — Contact Sync" };

type Params = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export default async function ManagerPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Params>;
}) {
  const user = await requireUser("viewer");
  const { id } = await params;
  const sp = await searchParams;
  const db = getDb();
  const manager = await getManager(db, id);
  if (!manager) notFound();
  const canEdit = hasRole(user.role, "editor");

  const sort: ContactSort = (contactSorts as readonly string[]).includes(one(sp.sort) ?? "")
    ? (one(sp.sort) as ContactSort)
    : "key_asc";
  const searchIn: SearchMode = (searchModes as readonly string[]).includes(one(sp.in) ?? "")
    ? (one(sp.in) as SearchMode)
    : "key";
  const q = (one(sp.q) ?? "").slice(0, 200);
  const query = {
    q: q || undefined,
    in: searchIn === "key" ? undefined : searchIn,
    sort: sort === "key_asc" ? undefined : sort,
  };

  // The count is kept by the imports (managers.contact_count); the list is keyset-paged.
  const total = manager.contactCount;
  const { page, listError } = await listContacts(getSql(), {
    managerId: manager.id,
    fields: manager.fields,
    sort,
    q,
    searchIn,
    after: one(sp.after),
    before: one(sp.before),
  }).then(
    (p): { page: ContactPage | null; listError: string | null } => ({ page: p, listError: null }),
    (e) => {
      if (!isAppError(e)) throw e;
      return { page: null, listError: e.message };
    },
  );

  const keyField = manager.fields.find((f) => f.role === "key");
  const columns = manager.fields.filter((f) => f.role !== "key" && f.type !== "password");
  const hasPasswordField = manager.fields.some((f) => f.type === "password");
  const path = managerPath(manager.id);
  const sortLink = (target: "key" | "updated") => {
    const next: ContactSort =
      target === "key"
        ? sort === "key_asc"
          ? "key_desc"
          : "key_asc"
        : sort === "updated_desc"
          ? "updated_asc"
          : "updated_desc";
    return hrefWith(path, { ...query }, { sort: next === "key_asc" ? undefined : next });
  };
  const ariaSort = (target: "key" | "updated") =>
    sort.startsWith(target) ? (sort.endsWith("asc") ? "ascending" : "descending") : undefined;

  return (
    <main>
      <p className="breadcrumb">
        <Link href="/managers">Contact Managers</Link> ›
      </p>
      <div className="page-title">
        <h1>{manager.name}</h1>
        <div className="title-actions">
          <Link className="btn btn-primary" href={importsPath(manager.id)}>
            Import
          </Link>
          {canEdit && (
            <Link className="btn btn-secondary" href={managerSettingsPath(manager.id)}>
              Fields and name
            </Link>
          )}
          {canEdit && (
            <Link className="btn btn-danger" href={managerDeletePath(manager.id)}>
              Delete…
            </Link>
          )}
        </div>
      </div>
      <Flash notice={sp.notice} />
      <p className="muted">{`${total.toLocaleString("en-US")} contact${total === 1 ? "" : "s"}`}</p>

      <section aria-labelledby="contacts-heading">
        <h2 id="contacts-heading">Contacts</h2>
        {/* biome-ignore lint/a11y/useSemanticElements: <search> around a form is not yet announced by every screen reader */}
        <form method="get" action={path} className="search-form" role="search" aria-label="Search contacts">
          <div className="field">
            <label htmlFor="q">Search</label>
            <input id="q" name="q" type="search" defaultValue={q} maxLength={200} />
          </div>
          <div className="field">
            <label htmlFor="in">In</label>
            <select id="in" name="in" defaultValue={searchIn}>
              <option value="key">{keyField?.label ?? "Unique Key"} (starts with)</option>
              <option value="text">Email or name (contains)</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="sort">Sort by</label>
            <select id="sort" name="sort" defaultValue={sort}>
              <option value="key_asc">{keyField?.label ?? "Unique Key"}, A → Z</option>
              <option value="key_desc">{keyField?.label ?? "Unique Key"}, Z → A</option>
              <option value="updated_desc">Last updated, newest first</option>
              <option value="updated_asc">Last updated, oldest first</option>
            </select>
          </div>
          <button type="submit" className="btn btn-secondary">
            Search
          </button>
          {(q || sort !== "key_asc") && (
            <Link href={path} className="reset-link">
              Reset
            </Link>
          )}
        </form>

        {listError && <ErrorBox>{<p>{listError}</p>}</ErrorBox>}
        {page && page.rows.length === 0 && (
          <p className="empty">
            {q ? "No contact matches this search." : "No contacts yet. Use Import to load a CSV file."}
          </p>
        )}
        {page && page.rows.length > 0 && (
          <>
            <div className="table-wrap">
              <table className="table responsive contacts">
                <thead>
                  <tr>
                    <th scope="col" aria-sort={ariaSort("key")}>
                      <Link href={sortLink("key")}>
                        {keyField?.label ?? "Unique Key"} {sort === "key_asc" ? "▲" : sort === "key_desc" ? "▼" : ""}
                      </Link>
                    </th>
                    {columns.map((f) => (
                      <th scope="col" key={f.id}>
                        {f.label}
                      </th>
                    ))}
                    {hasPasswordField && <th scope="col">Password</th>}
                    <th scope="col" aria-sort={ariaSort("updated")}>
                      <Link href={sortLink("updated")}>
                        Updated (<ViewerZone />) {sort === "updated_desc" ? "▼" : sort === "updated_asc" ? "▲" : ""}
                      </Link>
                    </th>
                  </tr>
                </thead>
                <ContactRows
                  keyLabel={keyField?.label ?? "Unique Key"}
                  labels={columns.map((f) => f.label)}
                  hasPasswordField={hasPasswordField}
                  rows={page.rows.map(
                    (c): ContactRowData => [
                      c.id,
                      c.key,
                      columns.map((f) => c.data[f.id] ?? ""),
                      c.hasPassword,
                      c.updatedAt.toISOString(),
                    ],
                  )}
                />
              </table>
            </div>
            <CursorPagination path={path} params={query} prevCursor={page.prevCursor} nextCursor={page.nextCursor} />
          </>
        )}
      </section>

      <section aria-labelledby="fields-heading" id="fields">
        <h2 id="fields-heading">Fields</h2>
        <FieldsTable manager={manager} keyLocked={await keyFieldLocked(db, manager)} />
        {canEdit && (
          <p>
            <Link href={managerSettingsPath(manager.id)}>Add a field, change the unique key field or rename</Link>
          </p>
        )}
      </section>
    </main>
  );
}
