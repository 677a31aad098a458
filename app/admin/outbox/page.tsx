import type { Metadata } from "next";
import Link from "next/link";
import { getDb } from "@/db/client";
import { requireUser } from "@/lib/auth/guard";
import { env } from "@/lib/env";
import { listOutbox, type Notification } from "@/lib/notify";
import { ActionForm } from "@/app/_components/ActionForm";
import { PagePagination, pageNumber } from "@/app/_components/Pagination";
import { SubmitButton } from "@/app/_components/SubmitButton";
import { LocalTime } from "@/app/_components/imports/LocalTime";
import styles from "@/app/_components/imports/imports.module.css";
import { AdminNav } from "@/app/admin/AdminNav";
import { drainOutboxAction } from "@/app/admin/outbox/actions";
import { runPath } from "@/lib/paths";

export const metadata: Metadata = { title: "Email outbox — Contact Sync" };
const PAGE_SIZE = 50;
const statuses: Notification["status"][] = ["pending", "sent", "failed", "logged"];
const statusText: Record<Notification["status"], string> = {
  pending: "Pending (will be retried)",
  sent: "Sent",
  failed: "Failed (given up)",
  logged: "Logged only (no RESEND_API_KEY)",
};

/** Every error email and what became of it (the outbox, retried until sent or given up): admins only. */
export default async function OutboxPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireUser("admin");
  const sp = await searchParams;
  const raw = Array.isArray(sp.status) ? sp.status[0] : sp.status;
  const status = statuses.find((s) => s === raw);
  const page = pageNumber(sp.page, 100_000);
  const { entries, total } = await listOutbox(getDb(), { status, page, pageSize: PAGE_SIZE });
  const drained = typeof sp.drained === "string" ? sp.drained.match(/^(\d+)-(\d+)-(\d+)-(\d+)$/) : null;

  return (
    <main>
      <h1>Email outbox</h1>
      <AdminNav current="outbox" />
      <p className="muted">
        Error emails of imports (failed, blocked and completed-with-errors runs), newest first.{" "}
        {env.RESEND_API_KEY
          ? "They are sent through Resend; failed deliveries are retried with increasing delays."
          : "RESEND_API_KEY is not set: messages are written to the log and kept here, not sent."}
      </p>
      {drained && (
        <div className="notice" role="status">
          <p>
            Delivered due messages: {drained[1]} sent, {drained[2]} logged, {drained[3]} to retry later, {drained[4]}{" "}
            failed.
          </p>
        </div>
      )}
      <div className={styles.toolbar}>
        <form method="get" action="/admin/outbox" className="inline-form">
          <label htmlFor="outbox-status">Show</label>
          <select id="outbox-status" name="status" defaultValue={status ?? ""}>
            <option value="">All messages</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {statusText[s]}
              </option>
            ))}
          </select>
          <button type="submit" className="btn btn-secondary">
            Filter
          </button>
        </form>
        <ActionForm action={drainOutboxAction} ariaLabel="Deliver due messages">
          <SubmitButton variant="secondary" pendingLabel="Delivering…">
            Deliver due messages now
          </SubmitButton>
        </ActionForm>
      </div>
      {entries.length === 0 ? (
        <p className="empty">No messages{status ? " with this status" : " yet"}.</p>
      ) : (
        <div className={styles.tableWrap}>
          <table className={`table ${styles.imports}`}>
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">To</th>
                <th scope="col">Subject</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((n) => (
                <tr key={n.id} data-status={n.status}>
                  <td data-label="Created" className={styles.nameCell}>
                    <LocalTime iso={n.createdAt.toISOString()} />
                    {n.sentAt && (
                      <span className={styles.sub}>
                        sent <LocalTime iso={n.sentAt.toISOString()} />
                      </span>
                    )}
                  </td>
                  <td data-label="To">{n.to}</td>
                  <td data-label="Subject">
                    <div>
                      {n.runId && n.syncId && n.managerId ? (
                        <Link href={runPath(n.managerId, n.syncId, n.runId)}>{n.subject}</Link>
                      ) : (
                        n.subject
                      )}
                      <details>
                        <summary>Message</summary>
                        <pre className={styles.outboxBody}>{n.body}</pre>
                      </details>
                    </div>
                  </td>
                  <td data-label="Status">
                    <div>
                      {statusText[n.status]}
                      {n.status === "pending" && (
                        <span className={styles.sub}>
                          next try <LocalTime iso={n.nextAttemptAt.toISOString()} />
                        </span>
                      )}
                    </div>
                  </td>
                  <td data-label="Attempts">{n.attempts}</td>
                  <td data-label="Last error">{n.lastError ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <PagePagination path="/admin/outbox" params={{ status }} page={page} pageCount={Math.ceil(total / PAGE_SIZE)} />
    </main>
  );
}
