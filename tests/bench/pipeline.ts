/**
 * The engine's Node side alone, without Postgres (issue 7): `npm run bench:pipeline -- [--rows N] [--seed S]
 * [--repeat K]`. Writes the engine bench's CSV (csv.ts) to a temporary file, then reads it through the
 * engine's own functions, each pass going one step further, and prints one JSON line per pass:
 * {pass, rows, seconds, rows_per_s}.
 *  parse     decode + CSV parse (decode.ts, parse.ts)
 *  validate  + per-row checks (validate.ts)
 *  stage     + the stage path's COPY text with row hashes, in buffers (rows.ts stageText), every row staged:
 *            Node's share of a run compared in SQL
 *  direct    + the direct path's COPY text for `contacts`, with row hashes (rows.ts directText)
 * These are lower bounds for a run: whatever Postgres does comes on top, on the same two cores.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { builtinFields, type Field } from "@/db/schema";
import { decodeStream } from "@/lib/sync/decode";
import { parseCsv, type CsvRecord } from "@/lib/sync/parse";
import { ErrorCollector } from "@/lib/sync/report";
import { mappingTag, rowHasher } from "@/lib/sync/row-hash";
import { directText, stageText } from "@/lib/sync/rows";
import { createRowValidator, resolveRowPlan, type RowError, type RowPlan } from "@/lib/sync/validate";
import { benchPeople, COLUMNS, EXTRA_FIELDS, writeFile } from "@/tests/bench/csv";

const { values: args } = parseArgs({
  options: { rows: { type: "string" }, seed: { type: "string" }, repeat: { type: "string" } },
});
const N = Number(args.rows ?? 1_000_000);
const REPEAT = Number(args.repeat ?? 1);
if (!Number.isInteger(N) || N < 1 || !Number.isInteger(REPEAT) || REPEAT < 1)
  throw new Error("--rows and --repeat must be whole numbers ≥ 1.");
const MAX_FIELD_BYTES = 64 * 1024;

/** The bench manager's fields (built-in + extra), with made-up ids: nothing here touches the database. */
const fields: Pick<Field, "id" | "label" | "type" | "role">[] = [
  ...builtinFields,
  ...EXTRA_FIELDS.map((f) => ({ ...f, role: null })),
].map((f, i) => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
  label: f.label,
  type: f.type,
  role: f.role,
}));
const fieldId = (label: string) => fields.find((f) => f.label === label && f.role !== "key")!.id;

function records(file: string) {
  const decoded = decodeStream(fs.createReadStream(file, { highWaterMark: 64 * 1024 }), { encoding: "auto" });
  return parseCsv(decoded.text, {
    delimiter: ",",
    hasHeader: true,
    maxColumns: 500,
    maxFieldBytes: MAX_FIELD_BYTES,
    maxRows: N + 1,
  });
}

/** The batches of `file` and the row plan, resolved from its header as a run does. */
async function open(file: string): Promise<{ batches: AsyncIterable<CsvRecord[]>; plan: RowPlan }> {
  const parsed = records(file);
  const iterator = parsed.batches[Symbol.asyncIterator]();
  const first = await iterator.next();
  const columns = (await parsed.columns)!;
  const plan = resolveRowPlan(
    columns,
    { keyColumn: "Email", autoKey: false, columns: COLUMNS.map((c) => ({ column: c, fieldId: fieldId(c) })) },
    fields,
  );
  async function* batches() {
    for (let next = first; !next.done; next = await iterator.next()) yield next.value;
  }
  return { batches: batches(), plan };
}

const passes: Record<string, (file: string) => Promise<number>> = {
  async parse(file) {
    let n = 0;
    for await (const batch of records(file).batches) n += batch.length;
    return n;
  },
  async validate(file) {
    const { batches, plan } = await open(file);
    const validate = createRowValidator(plan, { maxFieldBytes: MAX_FIELD_BYTES });
    const errors: RowError[] = [];
    let n = 0;
    for await (const batch of batches) {
      for (const record of batch) if (validate(record, errors).valid) n++;
      errors.length = 0;
    }
    return n;
  },
  async stage(file) {
    const { batches, plan } = await open(file);
    const rows = stageText(batches, {
      plan,
      hasher: await rowHasher(mappingTag(plan)),
      validate: createRowValidator(plan, { maxFieldBytes: MAX_FIELD_BYTES }),
      collector: new ErrorCollector(),
      onRow: () => {},
    });
    for await (const piece of rows.text) void piece;
    return rows.counts.valid;
  },
  async direct(file) {
    const { batches, plan } = await open(file);
    const o = {
      plan,
      hasher: await rowHasher(mappingTag(plan)),
      validate: createRowValidator(plan, { maxFieldBytes: MAX_FIELD_BYTES }),
      collector: new ErrorCollector(),
      onRow: () => {},
    };
    const rows = directText(batches, { ...o, managerId: fields[0].id, runId: fields[1].id });
    for await (const piece of rows.text) void piece;
    return rows.counts.valid;
  },
};

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-pipeline-"));
  try {
    const file = path.join(dir, "contacts.csv");
    const person = benchPeople(Number(args.seed ?? 1));
    await writeFile(
      file,
      (function* () {
        for (let i = 0; i < N; i++) yield person(i);
      })(),
    );
    for (let r = 0; r < REPEAT; r++) {
      for (const [pass, run] of Object.entries(passes)) {
        const started = performance.now();
        const rows = await run(file);
        const seconds = (performance.now() - started) / 1000;
        if (rows !== N) throw new Error(`${pass}: ${rows} valid rows, expected ${N}`);
        process.stdout.write(
          JSON.stringify({
            pass,
            rows,
            seconds: Math.round(seconds * 1000) / 1000,
            rows_per_s: Math.round(rows / seconds),
          }) + "\n",
        );
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
