"use client";

import { timeIn, useViewerZone, zoneName } from "@/app/_components/imports/LocalTime";

/** [id, key, values (in `fieldIds` order), has a password, updated at (ISO)] */
export type ContactRowData = [number, string, string[], boolean, string];

/**
 * The contacts table's body. A client component only so that the server sends each row as a compact array
 * (RSC payload) instead of an element tree per cell: on a 50-row page that halves the server's render work.
 * Renders the same markup on the server (HTML) and in the browser.
 */
export function ContactRows({
  keyLabel,
  labels,
  hasPasswordField,
  rows,
}: {
  keyLabel: string;
  labels: string[];
  hasPasswordField: boolean;
  rows: ContactRowData[];
}) {
  const zone = useViewerZone();
  const updatedLabel = `Updated (${zoneName(zone ?? "UTC")})`;
  return (
    <tbody>
      {rows.map(([id, key, values, hasPassword, updated]) => (
        <tr key={id}>
          <td data-label={keyLabel} className="key-cell">
            {key}
          </td>
          {labels.map((label, i) => (
            <td key={i} data-label={label}>
              {values[i]}
            </td>
          ))}
          {hasPasswordField && <td data-label="Password">{hasPassword ? "set" : ""}</td>}
          <td data-label={updatedLabel}>{timeIn(updated, zone, { showZone: false })}</td>
        </tr>
      ))}
    </tbody>
  );
}
