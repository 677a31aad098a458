import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import { detach } from "@/lib/sync/detach";
import { ErrorCollector } from "@/lib/sync/report";

/** A full garbage collection, so heapUsed counts what is still reachable. */
function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

describe("detach", () => {
  it("copies any string exactly: non-BMP characters, lone surrogates, controls, quotes, long text", () => {
    for (const s of [
      "",
      "plain",
      "Zoë 😀",
      "lone \ud800 high",
      "lone \udc00 low",
      '"quoted" \\ back',
      "\u0000\u0001\n\t",
      "x".repeat(100_000),
    ]) {
      expect(detach(s)).toBe(s);
    }
  });

  it("kept row errors do not hold on to the chunks of the file their values came from", () => {
    // 300 chunks of ~60,000 characters, each with one bad value whose error is kept: pinned, that is ~18 MB.
    const collector = new ErrorCollector();
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    for (let c = 0; c < 300; c++) {
      let chunk = "";
      for (let i = 0; i < 1500; i++) chunk += `user${c}_${i}@example.com,First ${i},Last ${i}\n`;
      const bad = Papa.parse<string[]>(chunk).data[700][0];
      collector.add([{ line: c * 1500 + 700, column: "Email", message: `"${bad}" is not a valid email address.` }]);
    }
    collectGarbage();
    const grownMb = (process.memoryUsage().heapUsed - before) / 1048576;
    expect(collector.kept).toHaveLength(300);
    expect(collector.kept[5].message).toBe('"user5_700@example.com" is not a valid email address.');
    expect(grownMb).toBeLessThan(5);
  });
});
