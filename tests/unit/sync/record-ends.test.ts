import { describe, expect, it } from "vitest";
import { normaliseRecordEnds } from "@/lib/sync/csv-record-ends";

async function normalise(chunks: string[], delimiter: string, maxRecordChars: number) {
  const stats = { quotedLineBreaks: 0 };
  let text = "";
  let error: string | null = null;
  const pieces: string[] = [];
  async function* source() {
    yield* chunks;
  }
  try {
    for await (const piece of normaliseRecordEnds(source(), { delimiter, maxRecordChars, stats })) {
      pieces.push(piece);
      text += piece;
    }
  } catch (e) {
    error = (e as Error).message;
  }
  // Every piece but the last ends with a record end: papaparse parses each one on its own.
  expect(pieces.slice(0, -1).every((p) => p.endsWith("\n"))).toBe(true);
  return { text, error, quotedLineBreaks: stats.quotedLineBreaks };
}

describe("normaliseRecordEnds", () => {
  it("turns record ends into \\n outside quotes only, and counts line breaks inside them", async () => {
    const r = await normalise(['a,"x\r\ny"\r\nb,c\rd,"e""\n"\n'], ",", 1000);
    expect(r).toEqual({ text: 'a,"x\r\ny"\nb,c\nd,"e""\n"\n', error: null, quotedLineBreaks: 2 });
    // A quote inside an unquoted field is data; a quote opens a field only at its start (after the delimiter).
    expect((await normalise(['a b"c\r\n;"q\r\n";x\r\n'], ";", 1000)).text).toBe('a b"c\n;"q\r\n";x\n');
  });

  it("gives the same text, errors and counts whatever the chunk boundaries (random text, every delimiter kind)", async () => {
    const alphabet = ["a", "b", ",", ";", '"', '"', "\r", "\n", " ", "\t", "|", "é"];
    let seed = 20261126;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let t = 0; t < 3000; t++) {
      let s = "";
      for (let k = random(120); k > 0; k--) s += alphabet[random(alphabet.length)];
      const delimiter = [",", ";", "\t", " ", "|", "ab"][random(6)];
      const max = [1000, 5, 12][random(3)];
      const chunks: string[] = [];
      for (let at = 0; at < s.length; ) {
        const n = 1 + random(9);
        chunks.push(s.slice(at, at + n));
        at += n;
      }
      const whole = await normalise([s], delimiter, max);
      const chunked = await normalise(chunks, delimiter, max);
      // A failing text may have let a different amount through before the error: only the error must match.
      if (whole.error) expect(chunked.error, JSON.stringify({ s, delimiter, max })).toBe(whole.error);
      else expect(chunked, JSON.stringify({ s, delimiter, max })).toEqual(whole);
    }
  });
});
