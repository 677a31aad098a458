import { describe, expect, it } from "vitest";
import Papa from "papaparse";
import { useDb } from "@/tests/support/db";
import { csvCell } from "@/lib/csv-writer";
import { runErrorsCsvStream } from "@/lib/runs/errors-csv";
import { addRunErrors, makeManager, makeRun, makeSync } from "@/tests/integration/runs/fixtures";

const { db } = useDb();

async function readAll(stream: ReadableStream<Uint8Array>): Promise<{ text: string; chunks: number }> {
  const reader = stream.getReader();
  const dec = new TextDecoder("utf-8", { ignoreBOM: true }); // keep the BOM: it is part of what we send
  let text = "";
  let chunks = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks++;
    text += dec.decode(value, { stream: true });
  }
  return { text: text + dec.decode(), chunks };
}

describe("errors CSV", () => {
  it("escapes cells a spreadsheet would run as formulas", () => {
    expect(csvCell('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvCell("+1")).toBe("'+1");
    expect(csvCell("-2+3")).toBe("'-2+3");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("\tcmd")).toBe("'\tcmd");
    expect(csvCell("\rcmd")).toBe(`"'\rcmd"`);
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    expect(csvCell(" padded ")).toBe('" padded "');
    expect(csvCell(42)).toBe("42");
    expect(csvCell(null)).toBe("");
  });

  it("streams every error of the run in order, in batches, and nothing of other runs", async () => {
    const manager = await makeManager(db);
    const sync = await makeSync(db, manager.id);
    const run = await makeRun(db, sync.id, { status: "completed_with_errors" });
    const other = await makeRun(db, sync.id, { status: "completed_with_errors" });
    const errors = Array.from({ length: 2500 }, (_, i) => ({
      line: i + 2,
      column: i % 2 ? "Email" : "Language",
      message: `problem ${i}`,
    }));
    errors[3] = { line: 5, column: "=cmd|' /C calc'!A0", message: '@bad, "quoted"\nmultiline' };
    await addRunErrors(db, run.id, errors);
    await addRunErrors(db, other.id, [{ line: 9, column: "X", message: "not mine" }]);

    const { text, chunks } = await readAll(runErrorsCsvStream(db, run.id, 1000));
    expect(chunks).toBe(4); // header + 3 batches
    expect(text.startsWith("\uFEFFLine,Column,Error\r\n")).toBe(true);
    const parsed = Papa.parse<string[]>(text.slice(1), { skipEmptyLines: true }).data;
    expect(parsed).toHaveLength(2501);
    expect(parsed[1]).toEqual(["2", "Language", "problem 0"]);
    expect(parsed[4]).toEqual(["5", "'=cmd|' /C calc'!A0", '\'@bad, "quoted"\nmultiline']);
    expect(parsed[2500]).toEqual(["2501", "Email", "problem 2499"]);
    expect(text).not.toContain("not mine");
  });

  it("has just the header for a run without errors", async () => {
    const manager = await makeManager(db);
    const sync = await makeSync(db, manager.id);
    const run = await makeRun(db, sync.id);
    expect((await readAll(runErrorsCsvStream(db, run.id))).text).toBe("\uFEFFLine,Column,Error\r\n");
  });
});
