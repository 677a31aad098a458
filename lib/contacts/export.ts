import type { Sql } from "@/db/client";
import type { Field } from "@/db/schema";
import { csvRows } from "@/lib/csv-writer";

/**
 * Contact export (CLI `contacts export`), streamed with a cursor so any size works.
 * JSON: [{"key", "fields": {label: value}}] sorted by key (code-point order), empty fields omitted, the
 * password never exported ("Password": true where one is set). CSV: the same columns, formula-looking
 * cells escaped.
 */
type Row = { key: string; data: Record<string, string>; has_password: boolean };

function exportFields(fields: Field[]) {
  const ordered = [...fields].sort((a, b) => a.position - b.position);
  return {
    valueFields: ordered.filter((f) => f.role !== "key" && f.type !== "password"),
    passwordFields: ordered.filter((f) => f.type === "password"),
  };
}

async function* contactRows(sql: Sql, managerId: string): AsyncGenerator<Row> {
  const cursor = sql<Row[]>`
    select key, data, password_hash is not null as has_password
    from contacts where manager_id = ${managerId} and deleted_at is null
    order by key collate "C"`.cursor(1000);
  for await (const batch of cursor) yield* batch;
}

export async function* exportContactsJson(sql: Sql, managerId: string, fields: Field[]): AsyncGenerator<string> {
  const { valueFields, passwordFields } = exportFields(fields);
  let first = true;
  yield "[";
  for await (const row of contactRows(sql, managerId)) {
    const out: Record<string, string | true> = {};
    for (const f of valueFields) {
      const v = row.data[f.id];
      if (v !== undefined && v !== "") out[f.label] = v;
    }
    if (row.has_password) for (const f of passwordFields) out[f.label] = true;
    yield (first ? "" : ",") + JSON.stringify({ key: row.key, fields: out });
    first = false;
  }
  yield "]\n";
}

export async function* exportContactsCsv(sql: Sql, managerId: string, fields: Field[]): AsyncGenerator<string> {
  const { valueFields, passwordFields } = exportFields(fields);
  const keyLabel = fields.find((f) => f.role === "key")?.label ?? "Unique Key";
  yield csvRows([[keyLabel, ...valueFields.map((f) => f.label), ...passwordFields.map((f) => f.label)]]);
  let lines: string[][] = [];
  for await (const row of contactRows(sql, managerId)) {
    lines.push([
      row.key,
      ...valueFields.map((f) => row.data[f.id] ?? ""),
      ...passwordFields.map(() => (row.has_password ? "true" : "")),
    ]);
    if (lines.length >= 1000) {
      yield csvRows(lines);
      lines = [];
    }
  }
  if (lines.length) yield csvRows(lines);
}
