import type { Metadata } from "next";
import Link from "next/link";
import { getDb } from "@/db/client";
import { requireUser } from "@/lib/auth/guard";
import { hasRole } from "@/lib/auth/roles";
import { listManagers } from "@/lib/managers/queries";
import { ActionForm } from "@/app/_components/ActionForm";
import { Flash } from "@/app/_components/Flash";
import { FormField, SelectField } from "@/app/_components/FormField";
import { SubmitButton } from "@/app/_components/SubmitButton";
import { createManagerAction } from "@/app/managers/actions";
import { typeOptions } from "@/app/managers/field-types";
import { importsPath, managerPath } from "@/lib/paths";

export const metadata: Metadata = { title: "Contact Managers — Contact Sync" };

export default async function ManagersPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const user = await requireUser("viewer");
  const params = await searchParams;
  const managers = await listManagers(getDb());
  const canEdit = hasRole(user.role, "editor");
  return (
    <main>
      <h1>Contact Managers</h1>
      <Flash notice={params.notice} />
      {managers.length === 0 ? (
        <p className="empty">No Contact Managers yet.{canEdit ? " Create the first one below." : ""}</p>
      ) : (
        <div className="table-wrap">
          <table className="table responsive">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col" className="num">
                  Contacts
                </th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {managers.map((m) => (
                <tr key={m.id}>
                  <td data-label="Name">
                    <Link href={managerPath(m.id)}>{m.name}</Link>
                  </td>
                  <td data-label="Contacts" className="num">
                    {m.contactCount.toLocaleString("en-US")}
                  </td>
                  <td data-label="Actions">
                    <span className="row-actions">
                      <Link href={managerPath(m.id)}>Open</Link>
                      <Link href={importsPath(m.id)}>Imports</Link>
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {canEdit && (
        <section aria-labelledby="create-heading" className="card">
          <h2 id="create-heading">Create a Contact Manager</h2>
          <ActionForm action={createManagerAction} ariaLabel="Create a Contact Manager">
            <FormField name="name" label="Name" required maxLength={200} />
            <fieldset>
              <legend>Unique key field</legend>
              <p className="hint">
                Every contact&apos;s identity in this manager. Chosen now, and locked once the manager has contacts.
              </p>
              <div className="field-row">
                <FormField name="keyLabel" label="Label" defaultValue="Unique Key" maxLength={100} />
                <SelectField name="keyType" label="Type" options={typeOptions} defaultValue="text" />
              </div>
            </fieldset>
            <fieldset>
              <legend>Custom fields (optional)</legend>
              <p className="hint">
                Built in: Email, First Name, Last Name, Language, Password. Add more now or later; empty rows are
                ignored.
              </p>
              {[1, 2, 3].map((i) => (
                <div className="field-row" key={i}>
                  <FieldRow index={i} />
                </div>
              ))}
            </fieldset>
            <div className="actions">
              <SubmitButton pendingLabel="Creating…">Create Contact Manager</SubmitButton>
            </div>
          </ActionForm>
        </section>
      )}
    </main>
  );
}

/** One custom-field row: repeated names (fieldLabel/fieldType) arrive as arrays, in order. */
function FieldRow({ index }: { index: number }) {
  return (
    <>
      <div className="field">
        <label htmlFor={`fieldLabel-${index}`}>Field {index} label</label>
        <input id={`fieldLabel-${index}`} name="fieldLabel" type="text" maxLength={100} />
      </div>
      <div className="field">
        <label htmlFor={`fieldType-${index}`}>Field {index} type</label>
        <select id={`fieldType-${index}`} name="fieldType" defaultValue="text">
          {typeOptions.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </div>
    </>
  );
}
