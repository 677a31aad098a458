import { describe, expect, it } from "vitest";
import { fixture, parseAll } from "@/tests/unit/sync/helpers";

describe("parse", () => {
  it("keeps line breaks inside quoted fields and numbers records by physical start line", async () => {
    for (const sizes of [[1], [3], [1000]]) {
      const { columns, records } = await parseAll(fixture("quoted-newlines.csv"), { sizes });
      expect(columns).toEqual(["Email", "Note"]);
      expect(records).toEqual([
        { line: 2, fields: ["ann@x.com", "line one\r\nline two"] },
        { line: 4, fields: ["bob@x.com", "a\nb\nc"] },
        { line: 7, fields: ["cid@x.com", "plain"] },
      ]);
    }
  });

  it('unescapes "" inside quotes', async () => {
    const { records } = await parseAll(fixture("escaped-quotes.csv"));
    expect(records.map((r) => r.fields[1])).toEqual(['she said "hi"', '"', ""]);
  });

  it("reports ragged rows as they are (the validator flags them)", async () => {
    const { records } = await parseAll(fixture("ragged.csv"));
    expect(records.map((r) => [r.line, r.fields.length])).toEqual([
      [2, 3],
      [3, 2],
      [4, 4],
      [5, 3],
    ]);
  });

  it("handles CRLF without a final newline, and LF", async () => {
    const { records } = await parseAll(fixture("crlf-no-final-newline.csv"), { sizes: [2] });
    expect(records).toEqual([
      { line: 2, fields: ["ann@x.com", "Ann"] },
      { line: 3, fields: ["bob@x.com", "Bob"] },
    ]);
  });

  it("skips blank lines but counts them for line numbers", async () => {
    const { records } = await parseAll(fixture("blank-lines.csv"));
    expect(records).toEqual([
      { line: 3, fields: ["ann@x.com", "Ann"] },
      { line: 6, fields: ["bob@x.com", "Bob"] },
    ]);
  });

  it("keeps formula-looking cells as plain text", async () => {
    const { records } = await parseAll(fixture("formula.csv"));
    expect(records.map((r) => r.fields[1])).toEqual(["=1+2", "+SUM(A1)", "-3", "@cmd"]);
  });

  it("any single-character delimiter; a quote cannot be one", async () => {
    const { records } = await parseAll(fixture("semicolon.csv"), { delimiter: ";" });
    expect(records[0].fields).toEqual(["ann@x.com", "Ann", "semi;colon"]);
    const tabbed = await parseAll("a\tb\n1\t2\n", { delimiter: "\t" });
    expect(tabbed.records[0].fields).toEqual(["1", "2"]);
    const spaced = await parseAll("a b\n1 2\n", { delimiter: " " });
    expect(spaced.records[0].fields).toEqual(["1", "2"]);
    await expect(parseAll("a\n", { delimiter: '"' })).rejects.toThrow(/quote/);
    await expect(parseAll("a\n", { delimiter: ";;" })).rejects.toThrow(/one character/);
  });

  it("without a header, columns are Column 1..n and line 1 is data", async () => {
    const { columns, records } = await parseAll("a,b\nc,d\n", { hasHeader: false });
    expect(columns).toEqual(["Column 1", "Column 2"]);
    expect(records).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 2, fields: ["c", "d"] },
    ]);
  });

  it("empty file and header-only file", async () => {
    expect(await parseAll(fixture("empty.csv"))).toEqual({ columns: null, records: [] });
    expect(await parseAll(fixture("header-only.csv"))).toEqual({ columns: ["Email", "First"], records: [] });
  });

  it("refuses duplicate header names with a clear message", async () => {
    await expect(parseAll(fixture("duplicate-header.csv"))).rejects.toThrow(/"Email" twice/);
    await expect(parseAll("email,Name,EMAIL\n")).rejects.toThrow(/"EMAIL" twice \(columns 1 and 3\)/);
  });

  it("names a blank header cell after its position, like a file without a header", async () => {
    expect(await parseAll(fixture("empty-header.csv"))).toEqual({
      columns: ["Email", "Column 2", "Last"],
      records: [{ line: 2, fields: ["ann@x.com", "Ann", "Lee"] }],
    });
    // Trailing empty columns of a spreadsheet export.
    const { columns } = await parseAll("Email,Name, ,\nann@x.com,Ann,,\n");
    expect(columns).toEqual(["Email", "Name", "Column 3", "Column 4"]);
  });

  it("refuses a blank header cell whose position name another column already has", async () => {
    await expect(parseAll("Column 2,\n")).rejects.toThrow(
      /Column 2 of the header line has no name, and its position name "Column 2" is the name of another column/,
    );
    await expect(parseAll(",Column 1\n")).rejects.toThrow(/Column 1 of the header line has no name/);
  });

  it("parses a 1 MB field", async () => {
    const big = "x".repeat(1024 * 1024);
    const { records } = await parseAll(`a,b\n1,"${big}"\n2,y\n`, { sizes: [65536] });
    expect(records[0].fields[1].length).toBe(big.length);
    expect(records[1]).toEqual({ line: 3, fields: ["2", "y"] });
  });

  it("refuses an unclosed quote instead of buffering the rest of the file", async () => {
    const body = 'Email,Note\nann@x.com,"never closed\n' + "bob@x.com,x\n".repeat(500_000);
    await expect(parseAll(body, { sizes: [65536], limits: { maxFieldBytes: 64 * 1024 } })).rejects.toThrow(
      /never closed|quote/,
    );
  });

  it("enforces MAX_COLUMNS and MAX_ROWS as clear errors", async () => {
    await expect(parseAll("a,b,c\n1,2,3\n", { limits: { maxColumns: 2 } })).rejects.toThrow(/at most 2/);
    await expect(parseAll("a\n1\n2\n3\n", { limits: { maxRows: 2 } })).rejects.toThrow(/more than 2 rows/);
  });

  it('gives the same records whatever the chunk boundaries (quotes, CRLF, "" split anywhere)', async () => {
    const tricky = 'a,b,c\r\n"x\r\ny","say ""hi""",z\r\n\r\n1,"",3\n"q""",r,"s\r"\rlast,row,"end"';
    const whole = await parseAll(tricky, { sizes: [10_000] });
    expect(whole.records.map((r) => r.line)).toEqual([2, 5, 6, 8]);
    expect(whole.records[0].fields).toEqual(["x\r\ny", 'say "hi"', "z"]);
    for (const sizes of [[1], [2], [3], [5, 1], [7, 2, 1]]) expect(await parseAll(tricky, { sizes })).toEqual(whole);
    for (const name of [
      "quoted-newlines.csv",
      "escaped-quotes.csv",
      "ragged.csv",
      "blank-lines.csv",
      "semicolon.csv",
    ]) {
      const delimiter = name === "semicolon.csv" ? ";" : ",";
      const ref = await parseAll(fixture(name), { delimiter });
      for (const sizes of [[1], [2], [3]]) expect(await parseAll(fixture(name), { sizes, delimiter })).toEqual(ref);
    }
  });

  it("a quote never closed before the end of the file is a clear error", async () => {
    await expect(parseAll(fixture("unclosed-quote.csv"))).rejects.toThrow(/line 2 is never closed/);
  });

  it("binary garbage neither crashes nor hangs", async () => {
    const result = await parseAll(fixture("binary-garbage.bin"), { hasHeader: false }).catch((e: Error) => e);
    if (result instanceof Error) expect(result.message).toMatch(/./);
    else expect(Array.isArray(result.records)).toBe(true);
  });

  // Completing within the test timeout is the point: papaparse's fast mode took minutes on 1 MiB chunks.
  it("streams 200k rows through papaparse in 64 KiB and 1 MiB chunks without stalling (quoted and unquoted)", async () => {
    let plain = "Email,First,Last\n";
    let quoted = "Email,Note\r\n";
    for (let i = 0; i < 200_000; i++) {
      plain += `user${i}@example.com,First${i},Last${i}\n`;
      quoted += `user${i}@example.com,"note ${i}${i % 1000 === 0 ? "\r\nsecond line" : ""}"\r\n`;
    }
    for (const sizes of [[64 * 1024], [1024 * 1024], [8 * 1024 * 1024]]) {
      const a = await parseAll(plain, { sizes });
      expect(a.records.length).toBe(200_000);
      expect(a.records[199_999]).toEqual({
        line: 200_001,
        fields: ["user199999@example.com", "First199999", "Last199999"],
      });
      const b = await parseAll(quoted, { sizes });
      expect(b.records.length).toBe(200_000);
      // 200 notes span two lines, so the last record starts 200 lines further down.
      expect(b.records[199_999]).toEqual({ line: 200_201, fields: ["user199999@example.com", "note 199999"] });
      expect(b.records[1000]).toEqual({ line: 1003, fields: ["user1000@example.com", "note 1000\r\nsecond line"] });
    }
  }, 240_000);

  it("a quote closes a field only before a delimiter, a line break or the end (spaces allowed); other quotes are data", async () => {
    const { records } = await parseAll('a,b\n"x" ,y\n"p"q",r\n', { sizes: [1] });
    expect(records).toEqual([
      { line: 2, fields: ["x", "y"] },
      { line: 3, fields: ['p"q', "r"] },
    ]);
  });

  it("reports the line of a record that outgrows the limit", async () => {
    const body = 'a,b\n1,2\n\n3,"' + "z\n".repeat(3 * 1024 * 1024);
    await expect(parseAll(body, { sizes: [1024 * 1024] })).rejects.toThrow(/starting on line 4 is longer than 4 MiB/);
  });
});

describe("parse: quoting papa's way at the edges", () => {
  it("allows any whitespace between a closing quote and the delimiter, as papaparse does (a no-break space)", async () => {
    const { records } = await parseAll('Email,Name\r\n"ann@x.com"\u00a0,Ann\r\n"bob@x.com"\u2003\t,Bob\r\n');
    expect(records.map((r) => r.fields)).toEqual([
      ["ann@x.com", "Ann"],
      ["bob@x.com", "Bob"],
    ]);
  });

  it("sees an emoji delimiter that falls across the 64 Ki-unit boundary of the record-end scan", async () => {
    const D = "😀";
    let text = `a${D}b\r\n`;
    let line = 1;
    while (text.length < 65_000) (text += `x${D}y\r\n`), line++;
    // The delimiter's first UTF-16 unit is unit 65535, the last one of the first part looked at.
    const pad = "k".repeat(65_535 - text.length);
    text += `${pad}${D}"p\r\nq"\r\nz${D}w\r\n`;
    expect(text.charCodeAt(65_535)).toBe(D.charCodeAt(0));
    const { records } = await parseAll(text, { delimiter: D });
    const target = records.find((r) => r.fields[0] === pad)!;
    expect(target).toEqual({ line: line + 1, fields: [pad, "p\r\nq"] });
    expect(records[records.length - 1]).toEqual({ line: line + 3, fields: ["z", "w"] });
  });
});
