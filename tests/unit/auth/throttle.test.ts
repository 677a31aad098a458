import { describe, expect, it } from "vitest";
import { emailKey, ipKey, minutesLeft } from "@/lib/auth/throttle";

const t0 = new Date("2026-01-01T10:00:00Z");
const at = (ms: number) => new Date(t0.getTime() + ms);

// The lock rules themselves run in SQL (takeAttempt, lockIfOverLimit): tests/integration/auth/authorize.test.ts.
describe("throttle keys", () => {
  it("keys emails case-insensitively and says minutes left rounded up", () => {
    expect(emailKey("  Ann@Example.COM ")).toBe("email:ann@example.com");
    expect(ipKey("10.0.0.1")).toBe("ip:10.0.0.1");
    expect(minutesLeft(at(61_000), t0)).toBe(2);
    expect(minutesLeft(at(1000), t0)).toBe(1);
  });
});
