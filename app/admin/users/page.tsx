import type { Metadata } from "next";
import { getDb } from "@/db/client";
import { requireUser } from "@/lib/auth/guard";
import { roleLabels, roles } from "@/lib/auth/roles";
import { listUsers, MIN_PASSWORD_LENGTH } from "@/lib/auth/users";
import { ActionForm } from "../../_components/ActionForm";
import { Flash } from "../../_components/Flash";
import { FormField, SelectField } from "../../_components/FormField";
import { StatusBadge } from "../../_components/StatusBadge";
import { SubmitButton } from "../../_components/SubmitButton";
import { AdminNav } from "../AdminNav";
import { createUserAction, resetPasswordAction, setDisabledAction, setRoleAction } from "./actions";

export const metadata: Metadata = { title: "Users — Contact Sync" };

const roleOptions = roles.map((r) => ({ value: r, label: roleLabels[r] }));

export default async function UsersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const me = await requireUser("admin");
  const params = await searchParams;
  const staff = await listUsers(getDb());
  return (
    <main>
      <h1>Users</h1>
      <AdminNav current="users" />
      <Flash notice={params.notice} />
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
                <td data-label="Email"><span>{u.email}{u.id === me.id && <span className="muted"> (you)</span>}</span></td>
                <td data-label="Name">{u.name}</td>
                <td data-label="Role">
                  <ActionForm action={setRoleAction} className="inline-form" ariaLabel={`Role of ${u.email}`}>
                    <input type="hidden" name="userId" value={u.id} />
                    <label className="visually-hidden" htmlFor={`role-${u.id}`}>Role of {u.email}</label>
                    <select id={`role-${u.id}`} name="role" defaultValue={u.role}>
                      {roles.map((r) => (
                        <option key={r} value={r}>{r}</option>
                      ))}
                    </select>
                    <SubmitButton variant="secondary">Save</SubmitButton>
                  </ActionForm>
                </td>
                <td data-label="Status">
                  <ActionForm action={setDisabledAction} className="inline-form" ariaLabel={`Status of ${u.email}`}>
                    {u.disabledAt ? <StatusBadge kind="warn" label="Disabled" /> : <StatusBadge kind="ok" label="Active" />}
                    <input type="hidden" name="userId" value={u.id} />
                    {u.disabledAt ? (
                      <SubmitButton variant="secondary" name="disabled" value="false">Enable</SubmitButton>
                    ) : u.id !== me.id ? (
                      <SubmitButton variant="danger" name="disabled" value="true">Disable</SubmitButton>
                    ) : null}
                  </ActionForm>
                </td>
                <td data-label="Password">
                  <details>
                    <summary>Set a new password</summary>
                    <ActionForm action={resetPasswordAction} ariaLabel={`New password for ${u.email}`}>
                      <input type="hidden" name="userId" value={u.id} />
                      <FormField name="password" label={`New password for ${u.email}`} type="password" autoComplete="new-password" required />
                      <SubmitButton variant="secondary">Set password</SubmitButton>
                    </ActionForm>
                  </details>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <section aria-labelledby="add-user-heading" className="card">
        <h2 id="add-user-heading">Add a user</h2>
        <ActionForm action={createUserAction} ariaLabel="Add a user">
          <FormField name="email" label="Email" type="email" required autoComplete="off" maxLength={320} />
          <FormField name="name" label="Name" maxLength={200} autoComplete="off" />
          <SelectField name="role" label="Role" options={roleOptions} defaultValue="viewer" />
          <FormField name="password" label="Initial password" type="password" required autoComplete="new-password" hint={`At least ${MIN_PASSWORD_LENGTH} characters. Give it to the person through a safe channel; they can change it under Account.`} />
          <div className="actions">
            <SubmitButton pendingLabel="Adding…">Add user</SubmitButton>
          </div>
        </ActionForm>
      </section>
    </main>
  );
}
