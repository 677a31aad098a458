import { describe, expect, it } from "vitest";
import { KeyFilter } from "@/lib/sync/key-filter";

describe("KeyFilter", () => {
  it("never misses a key it has seen, and rarely claims an unseen one", () => {
    const filter = new KeyFilter();
    const n = 1_000_000;
    let claimed = 0;
    for (let i = 0; i < n; i++) if (filter.add(`user${i}@example.com`)) claimed++;
    // Unseen keys answered "maybe" (false positives), in a filter holding a million keys.
    expect(claimed).toBeLessThan(n / 1000);
    for (let i = 0; i < n; i += 997) expect(filter.add(`user${i}@example.com`)).toBe(true);
    let falsePositives = 0;
    for (let i = 0; i < 100_000; i++) if (filter.add(`other${i}@example.org`)) falsePositives++;
    expect(falsePositives).toBeLessThan(100);
  });
});
