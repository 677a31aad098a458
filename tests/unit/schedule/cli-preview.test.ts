import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import path from "node:path";

const root = path.resolve(__dirname, "../../..");
function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ["scripts/cli.mjs", "schedule", "preview", ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("CLI: schedule preview", () => {
  it("prints the UTC run times as one JSON document", () => {
    const r = cli(
      "--start",
      "2026-03-06T02:30",
      "--tz",
      "America/New_York",
      "--rrule",
      "FREQ=DAILY",
      "--count",
      "4",
      "--json",
    );
    expect(r.code).toBe(0);
    // 8 March 02:30 does not exist in New York: it runs at 03:30 EDT, the offset before the gap.
    expect(JSON.parse(r.stdout)).toEqual([
      "2026-03-06T07:30:00Z",
      "2026-03-07T07:30:00Z",
      "2026-03-08T07:30:00Z",
      "2026-03-09T06:30:00Z",
    ]);
  });

  it("stops at the rule's end and can start after a given instant", () => {
    const r = cli(
      "--start",
      "2026-01-31T09:00",
      "--tz",
      "Asia/Kolkata",
      "--rrule",
      "FREQ=MONTHLY;COUNT=3",
      "--count",
      "10",
      "--after",
      "2026-02-01T00:00:00Z",
      "--json",
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(["2026-03-31T03:30:00Z", "2026-05-31T03:30:00Z"]);
  });

  it("bad zone or rule: exit 1 with the reason on stderr, nothing on stdout", () => {
    const zone = cli(
      "--start",
      "2026-01-01T09:00",
      "--tz",
      "Europe/Atlantis",
      "--rrule",
      "FREQ=DAILY",
      "--count",
      "3",
      "--json",
    );
    expect(zone.code).toBe(1);
    expect(zone.stdout).toBe("");
    expect(zone.stderr).toMatch(/Unknown time zone "Europe\/Atlantis"/);
    const rule = cli(
      "--start",
      "2026-01-01T09:00",
      "--tz",
      "UTC",
      "--rrule",
      "FREQ=DAILY;BYMONTHDAY=40",
      "--count",
      "3",
      "--json",
    );
    expect(rule.code).toBe(1);
    expect(rule.stderr).toMatch(/BYMONTHDAY value 40 is out of range/);
  });

  it("missing or malformed arguments: usage error, exit 2", () => {
    const missing = cli("--start", "2026-01-01T09:00", "--tz", "UTC", "--count", "3", "--json");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--rrule is required/);
    const count = cli(
      "--start",
      "2026-01-01T09:00",
      "--tz",
      "UTC",
      "--rrule",
      "FREQ=DAILY",
      "--count",
      "many",
      "--json",
    );
    expect(count.code).toBe(2);
    expect(count.stdout).toBe("");
  });
});
