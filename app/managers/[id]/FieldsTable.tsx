import type { ManagerWithFields } from "@/lib/managers/queries";
import { typeLabels } from "@/app/managers/field-types";

/** The fields of a Contact Manager (its page and its settings page). */
export function FieldsTable({ manager, keyLocked }: { manager: ManagerWithFields; keyLocked: boolean }) {
  return (
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
              <td data-label="Kind">
                {f.role === "key" ? "Unique key" + (keyLocked ? " (locked)" : "") : f.role ? "Built in" : "Custom"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
