import { type CsvCell, csvRows } from "@/lib/csv-writer";

/**
 * A CSV byte stream read from the database in batches as the client takes them (a run can list millions of
 * rows): a UTF-8 BOM (so spreadsheet programs read accents right) and the header first, then a batch a pull.
 * `readAfter(lastId)` gives the next batch by ascending id, after the last one's; an empty batch ends the file.
 */
export function batchedCsvStream<T extends { id: number }>(
  header: string[],
  readAfter: (lastId: number) => Promise<T[]>,
  rowsOf: (batch: T[]) => CsvCell[][],
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let lastId = 0;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode("\uFEFF" + csvRows([header])));
        return;
      }
      const batch = await readAfter(lastId);
      if (batch.length === 0) {
        controller.close();
        return;
      }
      lastId = batch[batch.length - 1].id;
      controller.enqueue(encoder.encode(csvRows(rowsOf(batch))));
    },
  });
}
