import type { Metadata } from "next";
import { getDb } from "@/db/client";
import { listApiTokens, type TokenView } from "@/lib/auth/api-tokens";
import { requireUser } from "@/lib/auth/guard";
import { roleLabels, roles } from "@/lib/auth/roles";
import { listUsers } from "@/lib/auth/users";
import { ActionForm } from "@/app/_components/ActionForm";
import { FormField, SelectField } from "@/app/_components/FormField";
import { SubmitButton } from "@/app/_components/SubmitButton";
import { LocalTime } from "@/app/_components/imports/LocalTime";
import { AdminNav } from "@/app/admin/AdminNav";
import { createTokenAction, revokeTokenAction } from "@/app/admin/tokens/actions";
import { tokensPath } from "@/lib/paths";

export const metadata: Metadata = { title: "API tokens — Contact Sync" };

function state(t: TokenView): string {
  if (t.revokedAt) return "Revoked";
  if (t.expiresAt && Date.parse(t.expiresAt) <= Date.now()) return "Expired";
  return "Active";
}

/** API tokens (admins): create one (shown once), see each one's last use, revoke. */
export default async function TokensPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const me = await requireUser("admin");
  const sp = await searchParams;
  const after = typeof sp.after === "string" ? sp.after : undefined;
  const db = getDb();
  const [page, staff] = await Promise.all([listApiTokens(db, { after, limit: 100 }), listUsers(db)]);
  const owners = staff
    .filter((u) => !u.disabledAt)
    .map((u) => ({ value: u.id, label: `${u.email} (${u.role})${u.id === me.id ? " — you" : ""}` }));
  return (
    <main>
      <h1>API tokens</h1>
      <AdminNav current="tokens" />
      <p className="muted">
        A token opens the JSON API (<code>Authorization: Bearer cs_…</code>) with its role, never more than its
        user&apos;s own role; it does not open pages. It is shown once, when created.
      </p>
      <section aria-labelledby="new-token">
        <h2 id="new-token">New token</h2>
        <ActionForm action={createTokenAction} ariaLabel="New API token">
          <FormField name="name" label="Name" required maxLength={100} hint="What uses it, e.g. “Nightly HR export”." />
          <SelectField
            name="role"
            label="Role"
            options={roles.map((r) => ({ value: r, label: roleLabels[r] }))}
            defaultValue="editor"
          />
          <SelectField
            name="userId"
            label="Acts as"
            options={owners}
            defaultValue={me.id}
            hint="Your own account, or a service account user."
          />
          <FormField
            name="expiresAt"
            label="Expires after (optional)"
            type="date"
            hint="Works through this day (UTC)."
          />
          <SubmitButton pendingLabel="Creating…">Create token</SubmitButton>
        </ActionForm>
      </section>
      <section aria-labelledby="token-list">
        <h2 id="token-list">Tokens</h2>
        {page.rows.length === 0 ? (
          <p className="empty">No tokens yet.</p>
        ) : (
          <div className="table-wrap">
            <table className="table responsive">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Token</th>
                  <th scope="col">Role</th>
                  <th scope="col">Acts as</th>
                  <th scope="col">Created</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Last use</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {page.rows.map((t) => (
                  <tr key={t.id} data-token-id={t.id}>
                    <td data-label="Name">{t.name}</td>
                    <td data-label="Token">
                      <code>{t.prefix}…</code>
                    </td>
                    <td data-label="Role">{t.role}</td>
                    <td data-label="Acts as">{t.userEmail}</td>
                    <td data-label="Created">
                      <LocalTime iso={t.createdAt} />
                    </td>
                    <td data-label="Expires">{t.expiresAt ? <LocalTime iso={t.expiresAt} /> : "Never"}</td>
                    <td data-label="Last use">{t.lastUsedAt ? <LocalTime iso={t.lastUsedAt} /> : "Never used"}</td>
                    <td data-label="Status">
                      {state(t) === "Active" ? (
                        <ActionForm action={revokeTokenAction} className="inline-form" ariaLabel={`Revoke ${t.name}`}>
                          <input type="hidden" name="id" value={t.id} />
                          Active{" "}
                          <SubmitButton variant="danger" pendingLabel="Revoking…">
                            Revoke
                          </SubmitButton>
                        </ActionForm>
                      ) : (
                        state(t)
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {page.nextCursor && <a href={tokensPath({ after: page.nextCursor })}>Older tokens</a>}
      </section>
    </main>
  );
}
