import type { Preview, PreviewRow } from "@/lib/wizard/preview";
import type { UnwrittenCells } from "@/lib/wizard/preview-marks";

/** The id of a preview cell (or of its row's line cell), so a problem in the list can link to it. */
function cellId(line: number, col: number | null): string {
  return col === null ? `preview-line-${line}` : `preview-line-${line}-col-${col}`;
}

function headersOf(preview: Preview): string[] {
  const width = Math.max(preview.columns.length, ...preview.rows.map((r) => r.cells.length));
  return Array.from({ length: width }, (_, i) => preview.columns[i] ?? `(extra ${i + 1})`);
}

/**
 * The preview's rows as the engine parsed them; rows with problems are marked, with line and reason, and
 * cells a merge or empty-cell rule will not write into an existing contact are struck through, with why.
 */
export function PreviewTable({ preview, unwritten = {} }: { preview: Preview; unwritten?: UnwrittenCells }) {
  const headers = headersOf(preview);
  return (
    // biome-ignore lint/a11y/useSemanticElements lint/a11y/noNoninteractiveTabindex: a scrolling region must be focusable so keyboard users can scroll it
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
                <td className="line" id={cellId(row.line, null)}>
                  {row.line}
                  {row.errors.length > 0 && <span className="visually-hidden"> (has errors)</span>}
                </td>
                {headers.map((h, i) => {
                  const kept = unwritten[row.line]?.[i];
                  return (
                    <td
                      key={i}
                      id={badColumns.has(h) ? cellId(row.line, i) : undefined}
                      className={
                        [badColumns.has(h) ? "cell-error" : "", kept ? "not-written" : ""].join(" ").trim() || undefined
                      }
                    >
                      {row.cells[i] ?? ""}
                      {kept && <span className="not-written-note">not written ({kept})</span>}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Where a problem sits in the table: its cell (scrolled into view, also sideways on a phone) or its row. */
function problemTarget(preview: Preview, row: PreviewRow, column: string | null): string {
  const i = column ? headersOf(preview).indexOf(column) : -1;
  return `#${cellId(row.line, i >= 0 ? i : null)}`;
}

function shortValue(value: string | undefined): string | null {
  if (value === undefined || value === "") return null;
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}

/**
 * The problems of the previewed rows as a list above the table: each with its line, column, the value and the
 * reason, and a link that scrolls the table to the marked cell (on a phone the table is wider than the screen).
 */
export function PreviewErrors({ preview }: { preview: Preview }) {
  const problems = preview.rows.flatMap((row) => row.errors.map((e) => ({ row, e })));
  if (!problems.length) return null;
  const first = problems[0];
  const headers = headersOf(preview);
  return (
    <div className="warn-box" role="status">
      <p>
        <strong>
          {problems.length} problem{problems.length === 1 ? "" : "s"} in these rows.
        </strong>{" "}
        Rows with problems are skipped by the import and reported; the other rows are imported.
      </p>
      <a className="preview-jump" href={problemTarget(preview, first.row, first.e.column)}>
        Show the first problem in the table (line {first.e.line})
      </a>
      <ul className="mapped-list preview-problems">
        {problems.slice(0, 20).map(({ row, e }, i) => {
          const col = e.column ? headers.indexOf(e.column) : -1;
          const value = col >= 0 ? shortValue(row.cells[col]) : null;
          return (
            <li key={i}>
              <a href={problemTarget(preview, row, e.column)}>
                Line {e.line}
                {e.column ? `, column “${e.column}”` : ""}
              </a>
              {value !== null && <> (“{value}”)</>}: {e.message}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
