import { describe, expect, it } from "vitest";
import { isRecent, readinessOf } from "@/lib/sources/readiness";

const file = (mtime: string) => ({ name: "a.csv", path: "/a.csv", size: 1, mtime });
const settle1s = readinessOf({ settleSeconds: 1 });
const at = (iso: string) => Date.parse(iso);

describe("isRecent (settle time)", () => {
  it("is never recent without a settle time", () => {
    expect(isRecent(file("2026-12-04T20:00:00.500Z"), readinessOf({}), at("2026-12-04T20:00:00.600Z"))).toBe(false);
  });

  it("compares exact times with the settle time", () => {
    const r = settle1s;
    expect(isRecent(file("2026-12-04T20:00:00.500Z"), r, at("2026-12-04T20:00:01.400Z"))).toBe(true);
    expect(isRecent(file("2026-12-04T20:00:00.500Z"), r, at("2026-12-04T20:00:01.600Z"))).toBe(false);
  });

  it("adds a second for times truncated to the second (SFTP, MLSD)", () => {
    // Written at 20:00:05.900, listed as 20:00:05 and looked at 1.2 s after the truncated time: still recent.
    expect(isRecent(file("2026-12-04T20:00:05.000Z"), settle1s, at("2026-12-04T20:00:06.200Z"))).toBe(true);
    expect(isRecent(file("2026-12-04T20:00:05.000Z"), settle1s, at("2026-12-04T20:00:07.100Z"))).toBe(false);
  });

  it("adds a minute for times truncated to the minute (LIST)", () => {
    expect(isRecent(file("2026-12-04T20:00:00.000Z"), settle1s, at("2026-12-04T20:00:59.000Z"))).toBe(true);
    expect(isRecent(file("2026-12-04T20:00:00.000Z"), settle1s, at("2026-12-04T20:01:02.000Z"))).toBe(false);
  });

  it("treats a file with no usable time as recent", () => {
    expect(isRecent(file(""), settle1s)).toBe(true);
    expect(isRecent(file("yesterday-ish"), settle1s)).toBe(true);
  });
});
