"use client";

import { useId } from "react";
import { addFieldSchema, AUTO_KEY, mappingDraftSchema, mappingStepSchema, OP_COLUMN } from "@/lib/wizard/schemas";
import { fieldTypeLabel } from "@/lib/managers/field-type-labels";
import { FieldError } from "@/app/_components/FieldShell";
import { useWizardForm, type WizardAction } from "@/app/_components/wizard/useWizardForm";
import { IntentButton, WizardNav } from "@/app/_components/wizard/WizardNav";
import { StepMessage, WizardForm } from "@/app/_components/wizard/WizardForm";
import { SafetyFields } from "@/app/_components/wizard/SafetyFields";
import { emptyRuleTexts, mergeRuleTexts } from "@/lib/sync/merge-rules";
import { type EmptyRule, emptyRules, type MergeRule, mergeRules } from "@/lib/vocabulary";
import type { SafetyFormValues } from "@/lib/wizard/safety-form";

const mergeRuleNames: Record<MergeRule, string> = {
  overwrite: "Overwrite",
  fill: "Fill if empty",
  "create-only": "Create only",
};
const emptyRuleNames: Record<EmptyRule, string> = {
  clear: "Empty cell clears",
  keep: "Empty cell keeps",
};

type FieldOption = { id: string; label: string; type: string; role: string | null };

export function MappingForm({
  action,
  managerId,
  syncId,
  editSince,
  columns,
  samples,
  fields,
  defaults,
  safety,
  remote,
  backHref,
  notice,
}: {
  action: WizardAction;
  managerId: string;
  syncId: string;
  /** The edit of an active import this form shows (EditToken); undefined for a draft. */
  editSince?: string;
  columns: string[];
  samples: string[];
  fields: FieldOption[];
  defaults: { columns: { column: string; fieldId: string; merge: MergeRule; empty: EmptyRule }[]; key: string };
  /** Uploads: the "Safety" section (server imports have it on the schedule step). */
  safety?: { defaults: SafetyFormValues; deleteMissing: boolean };
  remote: boolean;
  backHref: string;
  notice?: string;
}) {
  const wizard = useWizardForm({
    action,
    defaults,
    schemaFor: (i) =>
      i === "run" || i === "next" || i === "save" || i === "review"
        ? mappingStepSchema
        : i === "addField"
          ? null
          : mappingDraftSchema,
  });
  const { form, state, pending, errorOf, intent } = wizard;
  const keyId = useId();
  const addId = useId();
  const keyField = fields.find((f) => f.role === "key");
  const mappable = fields.filter((f) => f.role !== "key");
  const passwordField = fields.find((f) => f.type === "password");
  const watched = (form.watch("columns") as { column: string; fieldId: string }[] | undefined) ?? defaults.columns;
  const key = (form.watch("key") as string | undefined) ?? defaults.key;
  const mapped = watched.filter((c) => c.fieldId);
  const keyIsColumn = key !== "" && key !== AUTO_KEY && columns.includes(key);
  const fieldLabel = (id: string) => fields.find((f) => f.id === id)?.label ?? "?";
  const passwordMapped = !!passwordField && mapped.some((c) => c.fieldId === passwordField.id);
  const addError = errorOf("newFieldLabel");

  return (
    <WizardForm wizard={wizard} label="Column mapping" managerId={managerId} syncId={syncId} editSince={editSince}>
      {notice && (
        <div className="notice" role="status">
          <p>{notice}</p>
        </div>
      )}
      <StepMessage state={state} />

      <section className="card" aria-labelledby="map-heading">
        <h2 id="map-heading">Map the file&apos;s columns to Contact Manager fields</h2>
        <p className="hint">
          Columns whose name matches a field are mapped already. Columns left “Not imported” are ignored. The unique
          identifier column (below) always feeds the “{keyField?.label ?? "Unique Key"}” field; map it here too only to
          copy its value into another field.
        </p>
        <div className="table-wrap">
          <table className="table responsive mapping-table">
            <thead>
              <tr>
                <th scope="col">Import file column</th>
                <th scope="col">Example value</th>
                <th scope="col">Contact Manager field</th>
                <th scope="col">When the contact exists</th>
                <th scope="col">
                  <span className="visually-hidden">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {columns.map((column, i) => {
                const name = `columns.${i}.fieldId`;
                const err = errorOf(name);
                const current = watched[i]?.fieldId ?? "";
                return (
                  <tr key={column} className={key === column ? "is-key" : undefined}>
                    <td data-label="File column">
                      {column}
                      {key === column && <span className="key-badge">unique key</span>}
                      <input type="hidden" {...form.register(`columns.${i}.column`)} defaultValue={column} />
                    </td>
                    <td data-label="Example" className="sample">
                      {samples[i] ? samples[i] : <span className="muted">(empty)</span>}
                    </td>
                    <td data-label="Field" className={err ? "field-invalid" : undefined}>
                      <select
                        {...form.register(name)}
                        defaultValue={defaults.columns[i]?.fieldId ?? ""}
                        aria-label={`Field for column ${column}`}
                        aria-invalid={err ? true : undefined}
                        aria-describedby={err ? `${keyId}-c${i}-error` : undefined}
                      >
                        <option value="">{key === column ? "— Only as the unique key —" : "— Not imported —"}</option>
                        {mappable.map((f) => (
                          <option key={f.id} value={f.id}>
                            {f.label} ({fieldTypeLabel(f.type)})
                          </option>
                        ))}
                        <option value={OP_COLUMN}>This column says what to do (delete / upsert)</option>
                      </select>
                      <FieldError id={`${keyId}-c${i}`} error={err} />
                    </td>
                    <td data-label="Rules">
                      <div className="rule-selects" hidden={!current || current === OP_COLUMN}>
                        <select
                          {...form.register(`columns.${i}.merge`)}
                          defaultValue={defaults.columns[i]?.merge ?? "overwrite"}
                          aria-label={`Merge rule for column ${column}`}
                        >
                          {mergeRules.map((r) => (
                            <option key={r} value={r}>
                              {mergeRuleNames[r]}
                            </option>
                          ))}
                        </select>
                        {current !== passwordField?.id && (
                          <select
                            {...form.register(`columns.${i}.empty`)}
                            defaultValue={defaults.columns[i]?.empty ?? "clear"}
                            aria-label={`Empty cells in column ${column}`}
                          >
                            {emptyRules.map((r) => (
                              <option key={r} value={r}>
                                {emptyRuleNames[r]}
                              </option>
                            ))}
                          </select>
                        )}
                      </div>
                    </td>
                    <td data-label="">
                      {current && (
                        <button
                          type="submit"
                          name="intent"
                          value={`remove:${column}`}
                          className="btn btn-secondary btn-small"
                          aria-label={`Remove the mapping of ${column}`}
                        >
                          Remove
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <details className="rule-help">
          <summary>What the rules do</summary>
          <ul className="rule-legend">
            {mergeRules.map((r) => (
              <li key={r}>
                <strong>{mergeRuleTexts[r].label}.</strong> {mergeRuleTexts[r].example}
              </li>
            ))}
            {emptyRules.map((r) => (
              <li key={r}>
                <strong>{emptyRuleTexts[r].label}.</strong> {emptyRuleTexts[r].example}
              </li>
            ))}
            <li>A new contact always gets every value of its row. An empty Password cell always keeps the password.</li>
          </ul>
        </details>
        <div className="actions">
          <IntentButton
            intent="apply"
            label="Apply Mapping"
            busyLabel="Saving…"
            className="btn btn-secondary"
            pending={pending}
            submitting={intent}
          />
        </div>
        {(mapped.length > 0 || keyIsColumn) && (
          <>
            <h3>Mapped columns</h3>
            <ul className="mapped-list">
              {keyIsColumn && (
                <li>
                  {key} → {keyField?.label ?? "Unique Key"} (unique key)
                </li>
              )}
              {mapped.map((c) => (
                <li key={c.column}>
                  {c.column} → {fieldLabel(c.fieldId)}
                </li>
              ))}
            </ul>
          </>
        )}
      </section>

      <section className="card" aria-labelledby="key-heading">
        <h2 id="key-heading">Unique identifier</h2>
        <p className="hint">
          The column whose value identifies a contact (it feeds the “{keyField?.label ?? "Unique Key"}” field). Rows
          with the same key update the same contact; keys match ignoring case and surrounding spaces.
        </p>
        <div className={`field${errorOf("key") ? " field-invalid" : ""}`}>
          <label htmlFor={keyId}>Unique identifier column</label>
          <select
            id={keyId}
            {...form.register("key")}
            defaultValue={defaults.key}
            aria-invalid={errorOf("key") ? true : undefined}
            aria-describedby={errorOf("key") ? `${keyId}-error` : undefined}
          >
            <option value="">— Choose a column —</option>
            {columns.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
            <option value={AUTO_KEY}>Generate unique key automatically</option>
          </select>
          <FieldError id={keyId} error={errorOf("key")} />
        </div>
        {key === AUTO_KEY && (
          <div className="warn-box" role="note">
            <p>
              <strong>Every row will create a new contact.</strong> Each contact gets a random 9-digit key, so no row
              can match an existing contact: “Update the contacts” and “Delete contacts not found” are switched off for
              this import. Importing the same file twice creates the contacts twice.
            </p>
          </div>
        )}
        {passwordField && (
          <p className="hint">
            <strong>Passwords:</strong>{" "}
            {passwordMapped ? "the mapped column sets contacts' passwords (stored only as hashes). " : ""}
            To keep the contacts&apos; existing passwords, leave the Password column unmapped, or its cells empty.
          </p>
        )}
      </section>

      <section className="card" aria-labelledby="add-heading">
        <h2 id="add-heading">Add Field</h2>
        <p className="hint">
          A column with no matching field? Create the field here; it is added to the Contact Manager and mapped at once.
        </p>
        <div className="inline-fields">
          <div className={`field${addError ? " field-invalid" : ""}`}>
            <label htmlFor={`${addId}-label`}>New field label</label>
            <input
              id={`${addId}-label`}
              type="text"
              name="newFieldLabel"
              maxLength={100}
              defaultValue={state.values?.newFieldLabel ?? ""}
              aria-invalid={addError ? true : undefined}
              aria-describedby={addError ? `${addId}-error` : undefined}
            />
            <FieldError id={addId} error={addError} />
          </div>
          <div className="field narrow">
            <label htmlFor={`${addId}-type`}>Type</label>
            <select id={`${addId}-type`} name="newFieldType" defaultValue="text">
              {addFieldSchema.shape.type.unwrap().options.map((t) => (
                <option key={t} value={t}>
                  {fieldTypeLabel(t)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${addId}-col`}>Map it from column</label>
            <select
              id={`${addId}-col`}
              name="newFieldColumn"
              defaultValue={columns.find((c, i) => !defaults.columns[i]?.fieldId && c !== defaults.key) ?? ""}
            >
              <option value="">— Don&apos;t map yet —</option>
              {columns.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </div>
        </div>
        <IntentButton
          intent="addField"
          label="Add Field"
          busyLabel="Adding…"
          className="btn btn-secondary"
          pending={pending}
          submitting={intent}
        />
      </section>

      {safety && (
        <SafetyFields defaults={safety.defaults} errorOf={errorOf} withThreshold deleteMissing={safety.deleteMissing} />
      )}

      <WizardNav backHref={backHref}>
        {editSince !== undefined && (
          <IntentButton
            intent="save"
            label="Save changes"
            busyLabel="Saving…"
            className="btn btn-secondary"
            pending={pending}
            submitting={intent}
          />
        )}
        {remote ? (
          <IntentButton
            intent="next"
            label="Next: run or schedule"
            busyLabel="Saving…"
            pending={pending}
            submitting={intent}
          />
        ) : (
          <>
            <IntentButton
              intent="run"
              label="Run without review"
              busyLabel="Starting…"
              className="btn btn-secondary"
              pending={pending}
              submitting={intent}
            />
            <IntentButton
              intent="review"
              label="Review import"
              busyLabel="Starting the review…"
              pending={pending}
              submitting={intent}
            />
          </>
        )}
      </WizardNav>
    </WizardForm>
  );
}
