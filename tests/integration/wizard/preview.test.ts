import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { syncs, type Sync } from "@/db/schema";
import { createManager } from "@/lib/managers/queries";
import { storeUpload } from "@/lib/sources/upload";
import { buildPreview } from "@/lib/wizard/preview";
import { makeZip } from "@/tests/support/archives";
import { uniqueName, useDb } from "@/tests/support/db";

const { db } = useDb();

/** A draft upload sync over `bytes`, read with the given settings. */
async function previewOf(
  bytes: Buffer | string,
  settings: Partial<Pick<Sync, "delimiter" | "hasHeader" | "encoding">> = {},
) {
  const manager = await createManager(db, { name: uniqueName("preview") });
  const upload = await storeUpload(db, Readable.from([Buffer.from(bytes)]), { filename: "p.csv", maxBytes: 10 << 20 });
  const [sync] = await db
    .insert(syncs)
    .values({
      managerId: manager.id,
      name: "p",
      sourceKind: "upload",
      uploadId: upload.id,
      delimiter: ",",
      hasHeader: true,
      encoding: "auto",
      ...settings,
    })
    .returning();
  return buildPreview(sync, manager.fields);
}

describe("wizard preview (the engine's decode → parse → validate on a prefix)", () => {
  it("previews a gzip or ZIP upload from its decompressed content, as the run reads it", async () => {
    const csv = "Email,First Name\nann@example.org,Ann\n";
    for (const bytes of [gzipSync(csv), await makeZip({ "export/contacts.csv": csv })]) {
      const p = await previewOf(bytes);
      expect(p.fatal).toBeNull();
      expect(p.rows.map((r) => r.cells)).toEqual([["ann@example.org", "Ann"]]);
    }
    const two = await previewOf(await makeZip({ "a.csv": csv, "b.csv": csv }));
    expect(two.fatal?.message).toMatch(/holds 2 files: "a\.csv", "b\.csv"\. Set "zip member"/);
  });

  it("shows the first 20 rows with physical line numbers, quoted line breaks kept, row errors marked", async () => {
    const rows = ["Email,First Name", '"ann@example.org","Ann\nMarie"', "bad-email,Bob", "c@example.org,Cy,extra"];
    for (let i = 0; i < 30; i++) rows.push(`p${i}@example.org,P${i}`);
    const p = await previewOf(rows.join("\r\n") + "\r\n");
    expect(p.fatal).toBeNull();
    expect(p.columns).toEqual(["Email", "First Name"]);
    expect(p.rows).toHaveLength(20);
    expect(p.more).toBe(true);
    expect(p.rows[0]).toMatchObject({ line: 2, cells: ["ann@example.org", "Ann\nMarie"], errors: [] });
    expect(p.rows[1].line).toBe(4);
    expect(p.rows[1].errors[0]).toMatchObject({ line: 4, column: "Email" });
    expect(p.rows[2].errors[0].message).toMatch(/3 fields; the header has 2/);
    expect(p.suggestedDelimiter).toBeNull();
  });

  it("suggests the delimiter the file uses when another one is chosen", async () => {
    const p = await previewOf("Member;Email\nM1;a@example.org\nM2;b@example.org\n");
    expect(p.columns).toEqual(["Member;Email"]);
    expect(p.suggestedDelimiter).toBe(";");
    const right = await previewOf("Member;Email\nM1;a@example.org\n", { delimiter: ";" });
    expect(right.columns).toEqual(["Member", "Email"]);
    expect(right.suggestedDelimiter).toBeNull();
  });

  it("reports the detected encoding, and suggests Windows-1252 when forced UTF-8 cannot read the file", async () => {
    const latin = Buffer.from("Email,First Name\nzoe@example.org,Zo\xe9\n", "latin1");
    const auto = await previewOf(latin);
    expect(auto.encodingUsed).toBe("windows-1252");
    expect(auto.rows[0].cells[1]).toBe("Zoé");
    const forced = await previewOf(latin, { encoding: "utf-8" });
    expect(forced.fatal?.code).toBe("invalid_encoding");
    expect(forced.suggestedEncoding).toBe("windows-1252");
  });

  it("refuses a binary file, and suggests UTF-16 when it is UTF-16 text without a BOM", async () => {
    const le = await previewOf(Buffer.from("Email,First Name\nzoe@example.org,Zoé\n", "utf16le"));
    expect(le.fatal?.code).toBe("not_text");
    expect(le.suggestedEncoding).toBe("utf-16le");
    const be = Buffer.from("Email\na@example.org\n", "utf16le").swap16();
    expect((await previewOf(be)).suggestedEncoding).toBe("utf-16be");
    expect((await previewOf(be, { encoding: "utf-16be" })).rows[0].cells[0]).toBe("a@example.org");
    const xlsx = await previewOf(
      await makeZip({ "[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>", "xl/sheet1.xml": "<s/>" }),
    );
    expect(xlsx.fatal?.message).toMatch(/is a spreadsheet \(an Excel \.xlsx .*Save it as CSV/);
    expect(xlsx.suggestedEncoding).toBeNull();
  });

  it("suggests the encoding a BOM names when another one is forced", async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("Email\na@example.org\n", "utf16le")]);
    const p = await previewOf(utf16, { encoding: "windows-1252" });
    expect(p.suggestedEncoding).toBe("utf-16le");
  });

  it("without a header the columns are Column 1, Column 2 …; an empty file is a clear problem", async () => {
    const p = await previewOf("a@example.org,Ann\n", { hasHeader: false });
    expect(p.columns).toEqual(["Column 1", "Column 2"]);
    expect(p.rows[0].line).toBe(1);
    const empty = await previewOf("\n\n");
    expect(empty.fatal?.message).toMatch(/no lines/);
  });

  it("names blank header cells by position; a header it cannot use still reports the detected encoding", async () => {
    const excel = await previewOf("Email,First Name,,\r\nann@example.org,Ann,,\r\n");
    expect(excel.fatal).toBeNull();
    expect(excel.columns).toEqual(["Email", "First Name", "Column 3", "Column 4"]);
    const clash = await previewOf(Buffer.from("Column 2,,Nom\nann@example.org,x,Zo\xe9\n", "latin1"));
    expect(clash.fatal).toMatchObject({
      code: "invalid_header",
      message: expect.stringMatching(/Column 2 of the header line has no name/),
    });
    expect(clash.encodingUsed).toBe("windows-1252");
  });

  it("gives no delimiter hint for a file it cannot read as text", async () => {
    // Tab-separated at a glance (every line has two tabs), but full of NUL bytes.
    const binary = Buffer.from("\0\x01a\t\0b\t\x02\0\n".repeat(50), "latin1");
    const p = await previewOf(binary);
    expect(p.fatal?.code).toBe("not_text");
    expect(p.suggestedDelimiter).toBeNull();
  });

  it("shows the first rows the run reads when the first record is longer than the old 2 MiB window", async () => {
    const long = "x".repeat(2.5 * 1024 * 1024);
    const p = await previewOf(
      `Email,First Name\nann@example.org,${long}\nbob@example.org,short\ncy@example.org,fine\n`,
    );
    expect(p.fatal).toBeNull();
    expect(p.rows.map((r) => r.line)).toEqual([2, 3, 4]);
    expect(p.rows[0].errors[0]).toMatchObject({
      line: 2,
      column: "First Name",
      message: expect.stringMatching(/longer than/),
    });
    expect(p.rows[1].errors).toEqual([]);
    // Cells are shortened for the page; the full field is not sent to the browser.
    expect(p.rows[0].cells[1].length).toBeLessThan(1000);
  });
});
