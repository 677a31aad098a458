import { describe, expect, it } from "vitest";
import { formatEta } from "@/lib/runs/progress";
import { formatDuration } from "@/app/_components/imports/format";

describe("time left / duration texts", () => {
  it("never says 60 of a smaller unit", () => {
    expect(formatEta(7199)).toBe("about 2 h 0 min left"); // 1 h 59 min 59 s
    expect(formatDuration(119.7)).toBe("2 min");
  });
});
