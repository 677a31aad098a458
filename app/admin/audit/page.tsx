import { LocalTime } from "@/app/_components/imports/LocalTime";
import type { Metadata } from "next";
import { getDb } from "@/db/client";
import { listAuditEntries } from "@/lib/audit";
import { requireUser } from "@/lib/auth/guard";
import { PagePagination, pageNumber } from "@/app/_components/Pagination";
import { AdminNav } from "@/app/admin/AdminNav";

export const metadata: Metadata = { title: "Audit log — Contact Sync" };

const PAGE_SIZE = 50;

export default async function AuditPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireUser("admin");
  const params = await searchParams;
  const requested = pageNumber(params.page, 100_000);
  const { entries, total } = await listAuditEntries(getDb(), { page: requested, pageSize: PAGE_SIZE });
  const pageCount = Math.max(1, Math.ceil(total / PAGE_SIZE));
  return (
    <main>
      <h1>Audit log</h1>
      <AdminNav current="audit" />
      <p className="muted">Who changed Contact Managers, fields, users and imports. Newest first.</p>
      {entries.length === 0 ? (
        <p className="empty">No entries{requested > 1 ? " on this page" : " yet"}.</p>
      ) : (
        <div className="table-wrap">
          <table className="table responsive">
            <thead>
              <tr>
                <th scope="col">When (UTC)</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id}>
                  <td data-label="When">
                    <LocalTime iso={e.at.toISOString()} />
                  </td>
                  <td data-label="Who">{e.userEmail ?? "system"}</td>
                  <td data-label="Action">
                    <code>{e.action}</code>
                  </td>
                  <td data-label="Target">
                    {e.targetType}
                    {e.targetId ? <span className="muted"> {e.targetId}</span> : null}
                  </td>
                  <td data-label="Details" className="details-cell">
                    {formatDetails(e.details)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <PagePagination path="/admin/audit" params={{}} page={requested} pageCount={pageCount} />
    </main>
  );
}

function formatDetails(details: Record<string, unknown>): string {
  return Object.entries(details)
    .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join("; ");
}
