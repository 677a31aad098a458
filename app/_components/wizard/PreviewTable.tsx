import type { Preview } from "@/lib/wizard/preview";

/** The preview's rows as the engine parsed them; rows with problems are marked, with line and reason. */
export function PreviewTable({ preview }: { preview: Preview }) {
  const width = Math.max(preview.columns.length, ...preview.rows.map((r) => r.cells.length));
  const headers = Array.from({ length: width }, (_, i) => preview.columns[i] ?? `(extra ${i + 1})`);
  return (
    <div className="preview-wrap" role="region" aria-label="File preview (scrolls sideways)" tabIndex={0}>
      <table className="table preview-table">
        <caption className="visually-hidden">First rows of the file</caption>
        <thead>
          <tr>
            <th scope="col">Line</th>
            {headers.map((h, i) => (
              <th scope="col" key={i}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {preview.rows.map((row) => {
            const badColumns = new Set(row.errors.map((e) => e.column).filter(Boolean));
            return (
              <tr key={row.line} className={row.errors.length ? "row-error" : undefined}>
                <td className="line">
                  {row.line}
                  {row.errors.length > 0 && <span className="visually-hidden"> (has errors)</span>}
                </td>
                {headers.map((h, i) => (
                  <td key={i} className={badColumns.has(h) ? "cell-error" : undefined}>
                    {row.cells[i] ?? ""}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function PreviewErrors({ preview }: { preview: Preview }) {
  const errors = preview.rows.flatMap((r) => r.errors);
  if (!errors.length) return null;
  return (
    <div className="warn-box" role="status">
      <p>
        <strong>
          {errors.length} problem{errors.length === 1 ? "" : "s"} in these rows.
        </strong>{" "}
        Rows with problems are skipped by the import and reported; the other rows are imported.
      </p>
      <ul className="mapped-list">
        {errors.slice(0, 20).map((e, i) => (
          <li key={i}>
            Line {e.line}
            {e.column ? `, column “${e.column}”` : ""}: {e.message}
          </li>
        ))}
      </ul>
    </div>
  );
}
