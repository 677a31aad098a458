import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cli, type CliResult } from "@/tests/integration/cli/run-cli";
import { uniqueName, useDb } from "@/tests/support/db";

const { sql } = useDb();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-guards-"));

// biome-ignore lint/suspicious/noExplicitAny: each test reads the fields of the document it expects
function one(r: CliResult): any {
  const text = r.stdout.trim();
  expect(text.split("\n")).toHaveLength(1);
  return JSON.parse(text);
}

/** One source file per test, rewritten between imports (the same source: one hidden sync). */
function source() {
  const f = path.join(dir, `${uniqueName("g")}.csv`);
  return {
    path: f,
    write(content: string) {
      fs.writeFileSync(f, content);
    },
  };
}

const key = (i: number) => `u${i}@x.com`;
const csv = (keys: number[], first = (i: number) => `U${i}`) =>
  `Email,First Name\n${keys.map((i) => `${key(i)},${first(i)}`).join("\n")}\n`;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

async function newManager(): Promise<string> {
  const r = await cli("manager", "create", "--name", uniqueName("cli-guards"), "--json");
  expect(r.code).toBe(0);
  return one(r).id;
}

async function liveKeys(managerId: string): Promise<string[]> {
  const rows = await sql<{ key: string }[]>`
    select key from contacts where manager_id = ${managerId} and deleted_at is null order by key_norm`;
  return rows.map((r) => r.key);
}

describe("CLI guards and rules", { timeout: 240_000 }, () => {
  it("--max-delete, --max-update, --min-contacts: block over the limit (exit 1, plan in JSON), apply under it", async () => {
    const m = await newManager();
    const src = source();
    const imp = (...extra: string[]) =>
      cli("import", "--manager", m, "--file", src.path, "--key", "Email", "--always", "--json", ...extra);
    src.write(csv(range(10)));
    expect((await imp()).code).toBe(0);

    src.write(csv(range(5)));
    const count = await imp("--delete-missing", "--max-delete", "4");
    expect(count.code).toBe(1);
    expect(one(count)).toMatchObject({
      status: "blocked",
      deleted: 5,
      plan: { deleted: [5, 6, 7, 8, 9].map(key), updated: [] },
    });
    expect(count.stderr).toMatch(/more than the limit of 4/);
    const share = await imp("--delete-missing", "--max-delete", "40%");
    expect(share.code).toBe(1);
    expect(one(share)).toMatchObject({ status: "blocked", deleted: 5 });
    expect(await liveKeys(m)).toHaveLength(10);
    const both = await imp("--delete-missing", "--max-delete", "50%", "--max-delete", "5");
    expect(both.code).toBe(0);
    expect(one(both)).toMatchObject({ status: "succeeded", deleted: 5 });
    expect(await liveKeys(m)).toEqual(range(5).map(key));

    src.write(csv(range(5), (i) => (i < 3 ? `New${i}` : `U${i}`)));
    const updates = await imp("--update", "--max-update", "2");
    expect(updates.code).toBe(1);
    expect(one(updates).plan.updated[0]).toEqual({ key: key(0), changes: { "First Name": ["U0", "New0"] } });
    const updatesShare = await imp("--update", "--max-update", "60%");
    expect(one(updatesShare)).toMatchObject({ status: "succeeded", updated: 3 });

    // 3 of 5 deleted = 60%: a 10% share applies only from --min-contacts live contacts on (5 included).
    src.write(csv([0, 1], (i) => `New${i}`));
    const small = await imp("--delete-missing", "--max-delete", "10%", "--min-contacts", "6", "--dry-run");
    expect(small.code).toBe(0);
    expect(one(small)).toMatchObject({ status: "succeeded", deleted: 3, plan: { deleted: [2, 3, 4].map(key) } });
    const atMin = await imp("--delete-missing", "--max-delete", "10%", "--min-contacts", "5");
    expect(atMin.code).toBe(1);
    expect(one(atMin)).toMatchObject({ status: "blocked", deleted: 3 });
    expect(await liveKeys(m)).toHaveLength(5);
  });

  it("--threshold and --guard-every-run apply the change threshold to a CLI run", async () => {
    const m = await newManager();
    const src = source();
    const imp = (...extra: string[]) =>
      cli("import", "--manager", m, "--file", src.path, "--key", "Email", "--always", "--json", ...extra);
    src.write(csv(range(20)));
    expect((await imp()).code).toBe(0);
    src.write(csv(range(17))); // 3 of 20 deleted: 15%

    const threshold = await imp("--delete-missing", "--threshold", "10%");
    expect(threshold.code).toBe(1);
    expect(one(threshold)).toMatchObject({ status: "blocked", deleted: 3 });
    expect(threshold.stderr).toMatch(/safety threshold of 10%/);
    const everyRun = await imp("--delete-missing", "--guard-every-run");
    expect(everyRun.code).toBe(1);
    expect(one(everyRun)).toMatchObject({ status: "blocked", deleted: 3 });
    const allowed = await imp("--delete-missing", "--guard-every-run", "--threshold", "15%");
    expect(allowed.code).toBe(0);
    expect(one(allowed)).toMatchObject({ status: "succeeded", deleted: 3 });
    // Without a guard, a CLI run is not guarded.
    src.write(csv(range(2)));
    expect(one(await imp("--delete-missing"))).toMatchObject({ status: "succeeded", deleted: 15 });
  });

  it("--merge and --empty (per field and for all fields) give the contacts the rules say", async () => {
    const m = await newManager();
    const src = source();
    const imp = (...extra: string[]) =>
      cli("import", "--manager", m, "--file", src.path, "--key", "Email", "--always", "--update", "--json", ...extra);
    src.write("Email,First Name,Last Name,City,Consent\nann@x.com,Ann,Lee,,yes\nbob@x.com,Bob,Ray,Oslo,no\n");
    expect((await imp()).code).toBe(0);

    src.write("Email,First Name,Last Name,City,Consent\nann@x.com,,,Paris,no\nbob@x.com,,Roe,Rome,yes\n");
    const ruled = await imp(
      "--merge",
      "Consent=create-only",
      "--merge",
      "City=fill",
      "--empty",
      "keep",
      "--empty",
      "First Name=clear",
    );
    expect(ruled.code).toBe(0);
    expect(one(ruled)).toMatchObject({ status: "succeeded", updated: 2 });
    const exported = await cli("contacts", "export", "--manager", m, "--format", "json", "--json");
    expect(one(exported)).toEqual([
      // First Name cleared (its own rule), Last Name kept (keep for all), City filled, Consent created only.
      { key: "ann@x.com", fields: { Email: "ann@x.com", "Last Name": "Lee", City: "Paris", Consent: "yes" } },
      { key: "bob@x.com", fields: { Email: "bob@x.com", "Last Name": "Roe", City: "Oslo", Consent: "no" } },
    ]);

    // With --map the rules name mapped fields; one that no column feeds is refused (nothing imported).
    const unmapped = await imp("--map", "Email=Email", "--merge", "City=fill");
    expect(unmapped.code).toBe(1);
    expect(unmapped.stderr).toMatch(/No column is mapped to "City"/);
    const mapped = await imp(
      "--map",
      "Email=Email",
      "--map",
      "City=City",
      "--merge",
      "City=overwrite",
      "--empty",
      "City=keep",
    );
    // City overwrites now: Bob's follows the file (Ann's is Paris already).
    expect(one(mapped)).toMatchObject({ status: "succeeded", updated: 1, unchanged: 1 });
  });

  it("refuses malformed values as wrong usage (exit 2)", async () => {
    const m = await newManager();
    const src = source();
    src.write(csv(range(2)));
    const base = ["import", "--manager", m, "--file", src.path, "--key", "Email", "--json"];
    for (const bad of [
      ["--max-delete", "abc"],
      ["--max-update", "150%"],
      ["--max-delete", "5", "--max-delete", "6"],
      ["--min-contacts", "-3"],
      ["--threshold", "ten"],
      ["--merge", "City=sometimes"],
      ["--merge", "City"],
      ["--empty", "maybe"],
      ["--empty", "=keep"],
    ]) {
      const r = await cli(...base, ...bad);
      expect({ bad, code: r.code }).toEqual({ bad, code: 2 });
    }
    const password = await cli(...base, "--empty", "Password=clear");
    expect(password.code).toBe(1);
    expect(password.stderr).toMatch(/always keeps/);
  });
});
