import type { ManagerWithFields } from "@/lib/managers/queries";
import { ActionForm } from "../../_components/ActionForm";
import { FormField, SelectField } from "../../_components/FormField";
import { SubmitButton } from "../../_components/SubmitButton";
import { addFieldAction, renameManagerAction, updateKeyFieldAction } from "../actions";
import { typeLabels, typeOptions } from "../field-types";

/** Fields list for everyone; rename / add field / key field forms for editors and admins only. */
export function ManagerSettings({ manager, canEdit, keyLocked }: { manager: ManagerWithFields; canEdit: boolean; keyLocked: boolean }) {
  const keyField = manager.fields.find((f) => f.role === "key");
  return (
    <>
      <section aria-labelledby="fields-heading" id="fields">
        <h2 id="fields-heading">Fields</h2>
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Label</th>
                <th scope="col">Type</th>
                <th scope="col">Kind</th>
              </tr>
            </thead>
            <tbody>
              {manager.fields.map((f) => (
                <tr key={f.id}>
                  <td data-label="Label">{f.label}</td>
                  <td data-label="Type">{typeLabels[f.type]}</td>
                  <td data-label="Kind">{f.role === "key" ? "Unique key" + (keyLocked ? " (locked)" : "") : f.role ? "Built in" : "Custom"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      {canEdit && (
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
                <strong>{keyField?.label}</strong> ({keyField ? typeLabels[keyField.type] : ""}) is locked: this Contact Manager has contacts,
                and they are identified by it.
              </p>
            ) : (
              <ActionForm action={updateKeyFieldAction} ariaLabel="Edit the unique key field">
                <p className="hint">Can change while the Contact Manager has no contacts.</p>
                <input type="hidden" name="managerId" value={manager.id} />
                <FormField name="label" label="Label" required defaultValue={keyField?.label} maxLength={100} />
                <SelectField name="type" label="Type" options={typeOptions} defaultValue={keyField?.type ?? "text"} />
                <div className="actions">
                  <SubmitButton variant="secondary" pendingLabel="Saving…">Save key field</SubmitButton>
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
                <SubmitButton variant="secondary" pendingLabel="Saving…">Rename</SubmitButton>
              </div>
            </ActionForm>
          </section>
        </div>
      )}
    </>
  );
}
