import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { syncs } from "@/db/schema";
import { decryptSecret } from "@/lib/security/crypto";
import { definitionFromSync } from "@/lib/syncs/definition";
import { makeManager } from "@/tests/integration/runs/fixtures";
import { cli } from "@/tests/integration/cli/run-cli";
import { useDb } from "@/tests/support/db";

/** `sync create --definition` and `sync export`: the CLI's side of POST /api/syncs and ?format=definition. */
const { db } = useDb();
// The child CLI reads the environment: the source below is a loopback address, never connected to.
process.env.ALLOW_PRIVATE_HOSTS = "true";
const dir = mkdtempSync(path.join(tmpdir(), "definition-"));

function file(name: string, document: unknown): string {
  const p = path.join(dir, name);
  writeFileSync(p, typeof document === "string" ? document : JSON.stringify(document));
  return p;
}

describe("sync create / sync export", { timeout: 120_000 }, () => {
  it("creates an import from a definition file and exports the same document", async () => {
    const m = await makeManager(db);
    const document = {
      managerId: m.id,
      name: "CLI feed",
      source: { kind: "ftps", location: "ftps://127.0.0.1/out/contacts.csv", login: "u", password: "ftp-pass" },
      parse: { delimiter: "|" },
      mapping: {
        keyColumn: "Email",
        columns: [
          { column: "Email", field: "Email" },
          { column: "Team", field: "Team", merge: "fill" },
        ],
      },
      guards: { maxDelete: [50, "5%"] },
      schedule: { start: "2026-12-04T07:00", tz: "UTC", rrule: "FREQ=WEEKLY;BYDAY=MO,TH", count: 20 },
    };
    const created = await cli("sync", "create", "--definition", file("feed.json", document), "--json");
    expect(created.code, created.stderr).toBe(0);
    const row = JSON.parse(created.stdout);
    expect(row).toMatchObject({ id: expect.any(String), name: "CLI feed", state: "active", managerId: m.id });
    const [stored] = await db.select().from(syncs).where(eq(syncs.id, row.id));
    expect(decryptSecret(stored.secretEnc!)).toEqual({ password: "ftp-pass" });
    expect(stored.guards).toEqual({ maxDeleted: { pct: 5, count: 50 } });
    expect(stored.schedule?.rrule).toBe("FREQ=WEEKLY;BYDAY=MO,TH;COUNT=20");

    const exported = await cli("sync", "export", row.id, "--json");
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).not.toContain("ftp-pass");
    const definition = JSON.parse(exported.stdout);
    expect(definition).toEqual(await definitionFromSync(db, row.id));
    expect(definition).toMatchObject({
      source: { password: { saved: true }, kind: "ftps" },
      guards: { maxDelete: [50, "5%"] },
      schedule: { rrule: "FREQ=WEEKLY;BYDAY=MO,TH", count: 20, until: null },
      mapping: { columns: [{ field: "Email" }, { field: "Team", merge: "fill", empty: "clear" }] },
    });
  });

  it("bad documents fail with the API's message (exit 1); a missing flag is wrong usage (exit 2)", async () => {
    const m = await makeManager(db);
    const bad = await cli(
      "sync",
      "create",
      "--definition",
      file("bad.json", {
        managerId: m.id,
        source: { kind: "https", location: "https://127.0.0.1/x.csv" },
        mapping: {},
      }),
      "--json",
    );
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(/mapping\.keyColumn: Give mapping\.keyColumn, or set mapping\.autoKey to true\./);
    const notJson = await cli("sync", "create", "--definition", file("broken.json", "{"));
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toMatch(/is not valid JSON/);
    expect((await cli("sync", "create")).code).toBe(2);
    const unknown = await cli("sync", "export", "7d3f4c2a-1b2c-4d5e-8f90-123456789abc");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/Import not found/);
  });
});
