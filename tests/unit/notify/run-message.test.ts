import { describe, expect, it } from "vitest";
import type { Run } from "@/db/schema";
import { buildRunMessage } from "@/lib/notify/run-message";

const run = {
  id: "00000000-0000-0000-0000-000000000001",
  status: "failed",
  trigger: "schedule",
  finishedAt: null,
  sourceName: null,
  message: "boom",
  created: 0,
  updated: 0,
  deleted: 0,
  unchanged: 0,
  errorCount: 0,
} as unknown as Run;

describe("error email", () => {
  it("keeps the subject on one line whatever the import's name holds (no header injection)", () => {
    const { subject } = buildRunMessage({
      run,
      sync: {
        id: "00000000-0000-0000-0000-000000000002",
        managerId: "00000000-0000-0000-0000-000000000003",
        name: "Daily\r\nBcc: attacker@evil.test\u2028x",
      },
      managerName: "M",
      errors: [],
    });
    expect(subject).toBe('Contact Sync: import "Daily Bcc: attacker@evil.test x" failed; no contact was changed');
  });
});
