import fs from "node:fs";
import path from "node:path";
import { decodeStream, type Encoding } from "@/lib/sync/decode";
import { parseCsv, type CsvRecord } from "@/lib/sync/parse";

export const fixture = (name: string) => fs.readFileSync(path.join(__dirname, "../../fixtures/csv", name));

/** Feed bytes in chunks of the given sizes (cycled), to split characters and lines anywhere. */
export async function* chunked(buf: Buffer, sizes: number[] = [buf.length || 1]): AsyncGenerator<Buffer> {
  let i = 0;
  let k = 0;
  while (i < buf.length) {
    const n = Math.max(1, sizes[k++ % sizes.length]);
    yield buf.subarray(i, i + n);
    i += n;
  }
}

export async function decodeAll(buf: Buffer, sizes?: number[], encoding: Encoding = "auto") {
  const d = decodeStream(chunked(buf, sizes), { encoding });
  let text = "";
  for await (const t of d.text) text += t;
  return { text, stats: d.stats };
}

export const LIMITS = { maxColumns: 500, maxFieldBytes: 1024 * 1024, maxRows: 5_000_000 };

export async function parseAll(
  input: string | Buffer,
  opts: { delimiter?: string; hasHeader?: boolean; sizes?: number[]; limits?: Partial<typeof LIMITS> } = {},
) {
  const buf = typeof input === "string" ? Buffer.from(input) : input;
  const d = decodeStream(chunked(buf, opts.sizes));
  const parsed = parseCsv(d.text, {
    delimiter: opts.delimiter ?? ",",
    hasHeader: opts.hasHeader ?? true,
    ...LIMITS,
    ...opts.limits,
  });
  const records: CsvRecord[] = [];
  for await (const r of parsed.records) records.push(r);
  return { columns: await parsed.columns, records };
}
