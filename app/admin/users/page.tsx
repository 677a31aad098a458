import type { Metadata } from "next";
import { getDb } from "@/db/client";
import { requireUser } from "@/lib/auth/guard";
import { roleLabels, roles } from "@/lib/auth/roles";
import { listUsersPage, MIN_PASSWORD_LENGTH } from "@/lib/auth/users";
import { usersPath } from "@/lib/paths";
import { ActionForm } from "@/app/_components/ActionForm";
import { Flash } from "@/app/_components/Flash";
import { FormField, SelectField } from "@/app/_components/FormField";
import { PagePagination, pageNumber } from "@/app/_components/Pagination";
import { StatusBadge } from "@/app/_components/StatusBadge";
import { SubmitButton } from "@/app/_components/SubmitButton";
import { AdminNav } from "@/app/admin/AdminNav";
import { createUserAction, resetPasswordAction, setDisabledAction, setRoleAction } from "@/app/admin/users/actions";

export const metadata: Metadata = { title: "Users — Contact Sync" };

const roleOptions = roles.map((r) => ({ value: r, label: roleLabels[r] }));
const PAGE_SIZE = 50;

/** Each row's forms say which list view they came from, so the page comes back as it was. */
function ViewInputs({ q, page }: { q: string; page: number }) {
  return (
    <>
      {q && <input type="hidden" name="q" value={q} />}
      {page > 1 && <input type="hidden" name="page" value={page} />}
    </>
  );
}

export default async function UsersPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const me = await requireUser("admin");
  const params = await searchParams;
  const q = (typeof params.q === "string" ? params.q : "").trim().slice(0, 320);
  const page = pageNumber(params.page, 100_000);
  const { users: staff, total } = await listUsersPage(getDb(), { page, pageSize: PAGE_SIZE, query: q });
  const pageCount = Math.max(1, Math.ceil(total / PAGE_SIZE));
  return (
    <main>
      <h1>Users</h1>
      <AdminNav current="users" />
      <Flash notice={params.notice} />
      {/* biome-ignore lint/a11y/useSemanticElements: <search> around a form is not yet announced by every screen reader */}
      <form method="get" action={usersPath()} className="search-form" role="search" aria-label="Search users">
        <div className="field">
          <label htmlFor="q">Email or name contains</label>
          <input id="q" name="q" type="search" defaultValue={q} maxLength={320} />
        </div>
        <button type="submit" className="btn btn-secondary">
          Search
        </button>
        {q && (
          <a href={usersPath()} className="reset-link">
            All users
          </a>
        )}
      </form>
      <p className="muted">
        {total === 1 ? "1 user" : `${total} users`}
        {q ? " match this search" : ""}.
      </p>
      {staff.length === 0 && <p className="empty">{q ? "No user matches this search." : "No users on this page."}</p>}
      <div className="table-wrap">
        <table className="table responsive">
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Password</th>
            </tr>
          </thead>
          <tbody>
            {staff.map((u) => (
              <tr key={u.id}>
                <td data-label="Email">
                  <span>
                    {u.email}
                    {u.id === me.id && <span className="muted"> (you)</span>}
                  </span>
                </td>
                <td data-label="Name">{u.name}</td>
                <td data-label="Role">
                  <ActionForm action={setRoleAction} className="inline-form" ariaLabel={`Role of ${u.email}`}>
                    <input type="hidden" name="userId" value={u.id} />
                    <ViewInputs q={q} page={page} />
                    <label className="visually-hidden" htmlFor={`role-${u.id}`}>
                      Role of {u.email}
                    </label>
                    <select id={`role-${u.id}`} name="role" defaultValue={u.role}>
                      {roles.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                    <SubmitButton variant="secondary">Save</SubmitButton>
                  </ActionForm>
                </td>
                <td data-label="Status">
                  <ActionForm action={setDisabledAction} className="inline-form" ariaLabel={`Status of ${u.email}`}>
                    {u.disabledAt ? (
                      <StatusBadge kind="warn" label="Disabled" />
                    ) : (
                      <StatusBadge kind="ok" label="Active" />
                    )}
                    <input type="hidden" name="userId" value={u.id} />
                    <ViewInputs q={q} page={page} />
                    {u.disabledAt ? (
                      <SubmitButton variant="secondary" name="disabled" value="false">
                        Enable
                      </SubmitButton>
                    ) : u.id !== me.id ? (
                      <SubmitButton variant="danger" name="disabled" value="true">
                        Disable
                      </SubmitButton>
                    ) : null}
                  </ActionForm>
                </td>
                <td data-label="Password">
                  <details>
                    <summary>Set a new password</summary>
                    <ActionForm action={resetPasswordAction} ariaLabel={`New password for ${u.email}`}>
                      <input type="hidden" name="userId" value={u.id} />
                      <ViewInputs q={q} page={page} />
                      <FormField
                        name="password"
                        label={`New password for ${u.email}`}
                        type="password"
                        autoComplete="new-password"
                        required
                      />
                      <SubmitButton variant="secondary">Set password</SubmitButton>
                    </ActionForm>
                  </details>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <PagePagination path={usersPath()} params={{ q: q || undefined }} page={page} pageCount={pageCount} />

      <section aria-labelledby="add-user-heading" className="card">
        <h2 id="add-user-heading">Add a user</h2>
        <ActionForm action={createUserAction} ariaLabel="Add a user">
          <FormField name="email" label="Email" type="email" required autoComplete="off" maxLength={320} />
          <FormField name="name" label="Name" maxLength={200} autoComplete="off" />
          <SelectField name="role" label="Role" options={roleOptions} defaultValue="viewer" />
          <FormField
            name="password"
            label="Initial password"
            type="password"
            required
            autoComplete="new-password"
            hint={`At least ${MIN_PASSWORD_LENGTH} characters. Give it to the person through a safe channel; they can change it under Account.`}
          />
          <div className="actions">
            <SubmitButton pendingLabel="Adding…">Add user</SubmitButton>
          </div>
        </ActionForm>
      </section>
    </main>
  );
}
