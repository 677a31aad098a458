import { describe, expect, it } from "vitest";
import { afterFailure, emailKey, ipKey, lockedUntil, minutesLeft, THROTTLE } from "@/lib/auth/throttle";

const t0 = new Date("2026-01-01T10:00:00Z");
const at = (ms: number) => new Date(t0.getTime() + ms);

describe("throttle rules", () => {
  it("locks on the 5th failure within the window, for 15 minutes", () => {
    let s = null as ReturnType<typeof afterFailure> | null;
    for (let i = 0; i < 4; i++) {
      s = afterFailure(s, at(i * 1000), 5);
      expect(lockedUntil(s, at(i * 1000))).toBeNull();
    }
    s = afterFailure(s, at(5000), 5);
    expect(s.failures).toBe(5);
    expect(lockedUntil(s, at(5000))?.toISOString()).toBe(at(5000 + THROTTLE.lockMs).toISOString());
    expect(lockedUntil(s, at(5000 + THROTTLE.lockMs + 1))).toBeNull();
  });

  it("starts a new window after 15 minutes", () => {
    let s = afterFailure(null, t0, 5);
    for (let i = 0; i < 3; i++) s = afterFailure(s, at(1000), 5);
    expect(s.failures).toBe(4);
    s = afterFailure(s, at(THROTTLE.windowMs), 5);
    expect(s.failures).toBe(1);
    expect(s.windowStart.getTime()).toBe(at(THROTTLE.windowMs).getTime());
    expect(lockedUntil(s, at(THROTTLE.windowMs))).toBeNull();
  });

  it("keys emails case-insensitively and says minutes left rounded up", () => {
    expect(emailKey("  Ann@Example.COM ")).toBe("email:ann@example.com");
    expect(ipKey("10.0.0.1")).toBe("ip:10.0.0.1");
    expect(minutesLeft(at(61_000), t0)).toBe(2);
    expect(minutesLeft(at(1000), t0)).toBe(1);
  });
});
