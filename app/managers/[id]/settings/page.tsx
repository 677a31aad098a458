import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { getDb } from "@/db/client";
import { requireUser } from "@/lib/auth/guard";
import { getManager, keyFieldLocked } from "@/lib/managers/queries";
import { ActionForm } from "@/app/_components/ActionForm";
import { Flash } from "@/app/_components/Flash";
import { FormField, SelectField } from "@/app/_components/FormField";
import { SubmitButton } from "@/app/_components/SubmitButton";
import { addFieldAction, renameManagerAction, updateKeyFieldAction } from "@/app/managers/actions";
import { typeLabels, typeOptions } from "@/app/managers/field-types";
import { FieldsTable } from "@/app/managers/[id]/FieldsTable";
import { managerPath } from "@/lib/paths";

export const metadata: Metadata = { title: "Contact Manager settings — Contact Sync" };

/**
 * Fields and name of a Contact Manager (editors and admins). Kept off the contacts page, which everyone
 * opens often: its forms were a fifth of that page's rendering work.
 */
export default async function ManagerSettingsPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ notice?: string }>;
}) {
  await requireUser("editor");
  const { id } = await params;
  const { notice } = await searchParams;
  const db = getDb();
  const manager = await getManager(db, id);
  if (!manager) notFound();
  const keyField = manager.fields.find((f) => f.role === "key");
  const keyLocked = await keyFieldLocked(db, manager);
  return (
    <main>
      <p className="breadcrumb">
        <Link href="/managers">Contact Managers</Link> › <Link href={managerPath(manager.id)}>{manager.name}</Link> ›
      </p>
      <h1>Fields and name</h1>
      <Flash notice={notice} />

      <section aria-labelledby="fields-heading" id="fields">
        <h2 id="fields-heading">Fields</h2>
        <FieldsTable manager={manager} keyLocked={keyLocked} />
      </section>

      <div className="settings-grid">
        <section aria-labelledby="add-field-heading" className="card">
          <h2 id="add-field-heading">Add a field</h2>
          <ActionForm action={addFieldAction} ariaLabel="Add a field">
            <input type="hidden" name="managerId" value={manager.id} />
            <FormField name="label" label="Label" required maxLength={100} />
            <SelectField name="type" label="Type" options={typeOptions} defaultValue="text" />
            <div className="actions">
              <SubmitButton pendingLabel="Adding…">Add field</SubmitButton>
            </div>
          </ActionForm>
        </section>

        <section aria-labelledby="key-heading" className="card">
          <h2 id="key-heading">Unique key field</h2>
          {keyLocked ? (
            <p>
              <strong>{keyField?.label}</strong> ({keyField ? typeLabels[keyField.type] : ""}) is locked: this Contact
              Manager has contacts, and they are identified by it.
            </p>
          ) : (
            <ActionForm action={updateKeyFieldAction} ariaLabel="Edit the unique key field">
              <p className="hint">Can change while the Contact Manager has no contacts.</p>
              <input type="hidden" name="managerId" value={manager.id} />
              <FormField name="label" label="Label" required defaultValue={keyField?.label} maxLength={100} />
              <SelectField name="type" label="Type" options={typeOptions} defaultValue={keyField?.type ?? "text"} />
              <div className="actions">
                <SubmitButton variant="secondary" pendingLabel="Saving…">
                  Save key field
                </SubmitButton>
              </div>
            </ActionForm>
          )}
        </section>

        <section aria-labelledby="rename-heading" className="card">
          <h2 id="rename-heading">Rename</h2>
          <ActionForm action={renameManagerAction} ariaLabel="Rename the Contact Manager">
            <input type="hidden" name="id" value={manager.id} />
            <FormField name="name" label="Name" required defaultValue={manager.name} maxLength={200} />
            <div className="actions">
              <SubmitButton variant="secondary" pendingLabel="Saving…">
                Rename
              </SubmitButton>
            </div>
          </ActionForm>
        </section>
      </div>
    </main>
  );
}
