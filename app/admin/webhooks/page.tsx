import type { Metadata } from "next";
import { ne } from "drizzle-orm";
import { getDb } from "@/db/client";
import { syncs, webhookEvents } from "@/db/schema";
import { requireUser } from "@/lib/auth/guard";
import { listDeliveries, listWebhooks } from "@/lib/notify/webhooks";
import { ActionForm } from "@/app/_components/ActionForm";
import { FormField } from "@/app/_components/FormField";
import { SubmitButton } from "@/app/_components/SubmitButton";
import { LocalTime } from "@/app/_components/imports/LocalTime";
import { AdminNav } from "@/app/admin/AdminNav";
import { createWebhookAction, deleteWebhookAction } from "@/app/admin/webhooks/actions";

export const metadata: Metadata = { title: "Webhooks — Contact Sync" };

/** Webhook endpoints (admins): add one (its secret shown once), see each one's delivery log, remove. */
export default async function WebhooksPage() {
  await requireUser("admin");
  const db = getDb();
  const [page, allSyncs] = await Promise.all([
    listWebhooks(db, { limit: 100 }),
    db.select({ id: syncs.id, name: syncs.name }).from(syncs).where(ne(syncs.state, "deleted")).orderBy(syncs.name),
  ]);
  const logs = await Promise.all(page.rows.map((w) => listDeliveries(db, w.id, { limit: 20 })));
  const syncName = new Map(allSyncs.map((s) => [s.id, s.name]));
  return (
    <main>
      <h1>Webhooks</h1>
      <AdminNav current="webhooks" />
      <p className="muted">
        When a run ends, each endpoint that wants its event receives the run summary as JSON, signed with the
        endpoint&apos;s secret in the <code>ContactSync-Signature</code> header. Failed deliveries are retried with
        increasing delays for 24 hours.
      </p>
      <section aria-labelledby="new-webhook">
        <h2 id="new-webhook">New endpoint</h2>
        <ActionForm action={createWebhookAction} ariaLabel="New webhook">
          <FormField name="url" label="URL" required hint="https://… — internal addresses are refused." />
          <fieldset>
            <legend>Events</legend>
            {webhookEvents.map((e) => (
              <label key={e} className="checkbox">
                <input type="checkbox" name="events" value={e} defaultChecked={e !== "run.succeeded"} /> {e}
              </label>
            ))}
          </fieldset>
          <div className="field">
            <label htmlFor="webhook-syncs">Only these imports (optional; none selected: every import)</label>
            <select id="webhook-syncs" name="syncIds" multiple size={Math.min(8, Math.max(2, allSyncs.length))}>
              {allSyncs.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </div>
          <SubmitButton pendingLabel="Adding…">Add endpoint</SubmitButton>
        </ActionForm>
      </section>
      <section aria-labelledby="webhook-list">
        <h2 id="webhook-list">Endpoints</h2>
        {page.rows.length === 0 && <p className="empty">No webhooks yet.</p>}
        {page.rows.map((w, i) => (
          <article key={w.id} className="card" data-webhook-id={w.id}>
            <h3>
              <code>{w.url}</code>
            </h3>
            <p>
              Events: {w.events.join(", ")}. Imports:{" "}
              {w.syncIds ? w.syncIds.map((id) => syncName.get(id) ?? id).join(", ") : "all"}. Added{" "}
              <LocalTime iso={w.createdAt} />.
            </p>
            <ActionForm action={deleteWebhookAction} className="inline-form" ariaLabel={`Remove ${w.url}`}>
              <input type="hidden" name="id" value={w.id} />
              <SubmitButton variant="danger" pendingLabel="Removing…">
                Remove
              </SubmitButton>
            </ActionForm>
            <details>
              <summary>Delivery log ({logs[i].rows.length} latest)</summary>
              {logs[i].rows.length === 0 ? (
                <p className="empty">Nothing sent yet.</p>
              ) : (
                <table className="table responsive">
                  <thead>
                    <tr>
                      <th scope="col">Queued</th>
                      <th scope="col">Event</th>
                      <th scope="col">Status</th>
                      <th scope="col">Attempts</th>
                      <th scope="col">Last response</th>
                    </tr>
                  </thead>
                  <tbody>
                    {logs[i].rows.map((d) => (
                      <tr key={d.id} data-status={d.status}>
                        <td data-label="Queued">
                          <LocalTime iso={d.createdAt} />
                        </td>
                        <td data-label="Event">{d.event}</td>
                        <td data-label="Status">
                          {d.status}
                          {d.nextAttemptAt && (
                            <>
                              {" "}
                              (next try <LocalTime iso={d.nextAttemptAt} />)
                            </>
                          )}
                        </td>
                        <td data-label="Attempts">{d.attempts}</td>
                        <td data-label="Last response">
                          {d.lastStatus ? `HTTP ${d.lastStatus}` : ""} {d.lastError ?? ""}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </details>
          </article>
        ))}
      </section>
    </main>
  );
}
