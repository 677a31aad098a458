import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decodeStream, firstInvalidUtf8, notTextReason } from "@/lib/sync/decode";
import { decodeAll, fixture } from "@/tests/unit/sync/helpers";

const text = "Email,Name\nann@x.com,Zoë 日本語 😀 €\n";

describe("decode", () => {
  it("keeps multi-byte characters whole when chunks split them anywhere", async () => {
    const buf = Buffer.from(text);
    for (const sizes of [[1], [2], [3], [5, 1, 2], [7]]) {
      const { text: out, stats } = await decodeAll(buf, sizes);
      expect(out).toBe(text);
      expect(stats.encoding).toBe("utf-8");
      expect(stats.bytes).toBe(buf.length);
      expect(stats.sha256()).toBe(createHash("sha256").update(buf).digest("hex"));
    }
  });

  it("uses and strips BOMs (UTF-8, UTF-16LE, UTF-16BE), even split across chunks", async () => {
    for (const [name, enc] of [
      ["utf8-bom.csv", "utf-8"],
      ["utf16le-bom.csv", "utf-16le"],
      ["utf16be-bom.csv", "utf-16be"],
    ] as const) {
      for (const sizes of [[1], [3], [1000]]) {
        const { text: out, stats } = await decodeAll(fixture(name), sizes);
        expect(stats.encoding).toBe(enc);
        expect(out.charCodeAt(0)).not.toBe(0xfeff);
        expect(out.startsWith("Email,First\n")).toBe(true);
      }
    }
    expect((await decodeAll(fixture("utf16le-bom.csv"), [1])).text).toBe("Email,First\nann@x.com,Zoé 日本\n");
  });

  it("falls back to Windows-1252 when the bytes are not UTF-8 (ASCII before)", async () => {
    for (const sizes of [[1], [4], [1000]]) {
      const { text: out, stats } = await decodeAll(fixture("windows-1252.csv"), sizes);
      expect(stats.encoding).toBe("windows-1252");
      expect(out).toBe("Email,First\nann@x.com,Zoé €uro\n");
    }
  });

  it("switches to Windows-1252 late in a long ASCII file", async () => {
    const buf = Buffer.concat([
      Buffer.from("a,b\n" + "x,y\n".repeat(50_000)),
      Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]),
    ]);
    const { text: out } = await decodeAll(buf, [65536]);
    expect(out.endsWith("café\n")).toBe(true);
  });

  it("refuses a file that mixes UTF-8 and other bytes, asking for an explicit encoding", async () => {
    const buf = Buffer.concat([Buffer.from("a,b\nZoë,x\n"), Buffer.from([0x63, 0xe9, 0x0a])]);
    await expect(decodeAll(buf, [4])).rejects.toThrow(/not valid UTF-8.*Windows-1252/);
  });

  it("honours a forced encoding", async () => {
    const { text: out } = await decodeAll(Buffer.from("Zo\xeb", "latin1"), [1], "windows-1252");
    expect(out).toBe("Zoë");
    const utf8Bytes = Buffer.from("Zoë");
    expect((await decodeAll(utf8Bytes, [1], "windows-1252")).text).toBe("ZoÃ«");
    await expect(decodeAll(Buffer.from([0x41, 0xff, 0x42]), [1], "utf-8")).rejects.toThrow(/not valid UTF-8/);
    const le = Buffer.from("Hi ü", "utf16le");
    expect((await decodeAll(le, [1], "utf-16le")).text).toBe("Hi ü");
  });

  it("refuses files that are not text: spreadsheets, PDFs, archives, NUL bytes — even in 1-byte chunks", async () => {
    const xlsx = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]), Buffer.from("[Content_Types].xml")]);
    const xls = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0]);
    const utf16NoBom = Buffer.from("Email,First\nann@x.com,Ann\n", "utf16le");
    for (const sizes of [[1], [4096]]) {
      await expect(decodeAll(xlsx, sizes)).rejects.toThrow(/Excel workbook \(\.xlsx\).*Save it as CSV/);
      await expect(decodeAll(xls, sizes)).rejects.toThrow(/Excel 97–2003 workbook/);
      await expect(decodeAll(Buffer.from("%PDF-1.7\n"), sizes)).rejects.toThrow(/PDF document/);
      await expect(decodeAll(utf16NoBom, sizes)).rejects.toThrow(/NUL bytes.*choose UTF-16/);
    }
    // Chosen as UTF-16, the same bytes are text; NUL bytes after the first 4 KiB are left to the row checks.
    expect((await decodeAll(utf16NoBom, [5], "utf-16le")).text).toBe("Email,First\nann@x.com,Ann\n");
    const lateNul = Buffer.concat([
      Buffer.from("Email,First\n" + "a@x.com,A\n".repeat(500)),
      Buffer.from("b@x.com,B\0\n"),
    ]);
    expect((await decodeAll(lateNul, [1000])).text.endsWith("b@x.com,B\0\n")).toBe(true);
    expect(notTextReason(Buffer.from("Email,First\nann@x.com,Zoë\n"))).toBeNull();
  });

  it("decodes an empty stream to nothing", async () => {
    const { text: out, stats } = await decodeAll(Buffer.alloc(0));
    expect(out).toBe("");
    expect(stats.bytes).toBe(0);
  });

  it("finds the first invalid UTF-8 byte (overlongs, surrogates, truncation)", () => {
    expect(firstInvalidUtf8(Buffer.from("abc"))).toBe(-1);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xc0, 0x80]))).toBe(1);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xed, 0xa0, 0x80]))).toBe(1);
    expect(firstInvalidUtf8(Buffer.from([0xe2, 0x82]))).toBe(0);
    expect(firstInvalidUtf8(Buffer.from("€😀"))).toBe(-1);
  });
});

describe("decode: maxBytes", () => {
  async function read(bytes: number, maxBytes: number) {
    const source = (async function* () {
      for (let sent = 0; sent < bytes; sent += 1000) yield Buffer.alloc(Math.min(1000, bytes - sent), "a");
    })();
    let text = "";
    for await (const t of decodeStream(source, { maxBytes }).text) text += t;
    return text.length;
  }

  it("reads a file of exactly the limit, and refuses one byte more, whatever the chunks", async () => {
    expect(await read(10_000, 10_000)).toBe(10_000);
    await expect(read(10_001, 10_000)).rejects.toMatchObject({
      code: "file_too_large",
      message: expect.stringMatching(
        /^The file is larger than 0\.01 MiB, the most an import reads \(SOURCE_MAX_BYTES\)\./,
      ),
    });
  });
});

describe("decode: Windows-1252 letters that cannot start UTF-8, at the end of a chunk", () => {
  // "ü" is FC and "à€" is E0 80 in Windows-1252: neither can begin a UTF-8 character.
  it.each([
    ["ü (FC)", [0xfc], "Müller"],
    ["à€ (E0 80)", [0xe0, 0x80], "Mà€ller"],
  ])("%s switches the file to Windows-1252, wherever the chunk ends", async (_name, bytes, word) => {
    const head = Buffer.from("Email,Name\n" + "a@x.com,A\n".repeat(500)); // past the 4 KiB looked at first
    const buf = Buffer.concat([head, Buffer.from("m@x.com,M"), Buffer.from(bytes), Buffer.from("ller\n")]);
    const cut = head.length + 9 + bytes.length; // a chunk ends right after the bytes
    const { text, stats } = await decodeAll(buf, [cut, buf.length]);
    expect(stats.encoding).toBe("windows-1252");
    expect(text.endsWith(`m@x.com,${word}\n`)).toBe(true);
  });
});
