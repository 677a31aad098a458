import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cli, type CliResult } from "@/tests/integration/cli/run-cli";
import { describe, expect, it } from "vitest";
import { uniqueName, useDb } from "@/tests/support/db";

const { sql } = useDb();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-test-"));

/** --json output must be exactly one JSON document on stdout. */
// biome-ignore lint/suspicious/noExplicitAny: each test reads the fields of the document it expects
function one(r: CliResult): any {
  const text = r.stdout.trim();
  expect(text.split("\n")).toHaveLength(1);
  return JSON.parse(text);
}

function file(content: string): string {
  const f = path.join(dir, uniqueName("c") + ".csv");
  fs.writeFileSync(f, content);
  return f;
}

describe("CLI", { timeout: 120_000 }, () => {
  it("manager create, import, re-import (skipped), export, sync list / run", async () => {
    const created = await cli("manager", "create", "--name", uniqueName("cli"), "--field", "Score:number", "--json");
    expect(created.code).toBe(0);
    const m = one(created);
    expect(m).toMatchObject({ id: expect.any(String), name: expect.stringMatching(/^cli-/) });
    expect(m.fields.map((f: { label: string; type: string }) => `${f.label}:${f.type}`)).toEqual([
      "Unique Key:text",
      "Email:email",
      "First Name:text",
      "Last Name:text",
      "Language:language",
      "Password:password",
      "Score:number",
    ]);

    const csv = file(
      "Email,first name,Language,Password,Score,Town\nzed@x.com,Zed,EN,pw1,3,\nann@x.com,Ann,pt-br,,=1+2,Oslo\nbob@x.com,Bob,English,,,\n",
    );
    const first = await cli(
      "import",
      "--manager",
      m.id,
      "--file",
      csv,
      "--key",
      "Email",
      "--update",
      "--delete-missing",
      "--json",
    );
    expect(first.code).toBe(0);
    const r1 = one(first);
    expect(r1).toMatchObject({
      status: "completed_with_errors",
      created: 1,
      updated: 0,
      deleted: 0,
      unchanged: 0,
      fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(Object.keys(r1).sort()).toEqual([
      "created",
      "deleted",
      "errors",
      "fingerprint",
      "message",
      "runId",
      "status",
      "unchanged",
      "updated",
    ]);
    expect(r1.errors).toEqual([
      { line: 3, column: "Score", message: expect.stringMatching(/not a number/) },
      { line: 4, column: "Language", message: expect.stringMatching(/English/) },
    ]);

    const again = one(
      await cli("import", "--manager", m.id, "--file", csv, "--key", "Email", "--update", "--delete-missing", "--json"),
    );
    expect(again.status).toBe("skipped_unchanged");
    const [{ n }] = await sql`select count(*)::int as n from syncs where manager_id = ${m.id} and origin = 'cli'`;
    expect(n).toBe(1);

    const exported = await cli("contacts", "export", "--manager", m.id, "--format", "json");
    expect(exported.code).toBe(0);
    // Missing "Town" became a text field; Password is never exported.
    expect(JSON.parse(exported.stdout)).toEqual([
      {
        key: "zed@x.com",
        fields: { Email: "zed@x.com", "First Name": "Zed", Language: "en", Score: "3", Password: true },
      },
    ]);

    const fixed = file("Email,first name,Language,Score,Town\nzed@x.com,Zed,EN,3,\nann@x.com,Ann,pt-br,-2,=Oslo\n");
    const r2 = one(await cli("import", "--manager", m.id, "--file", fixed, "--key", "Email", "--json"));
    expect(r2).toMatchObject({ status: "succeeded", created: 1, unchanged: 1 });
    const csvOut = await cli("contacts", "export", "--manager", m.id, "--format", "csv");
    expect(csvOut.stdout.split("\r\n")).toEqual([
      "Unique Key,Email,First Name,Last Name,Language,Score,Town,Password",
      "ann@x.com,ann@x.com,Ann,,pt-BR,'-2,'=Oslo,",
      "zed@x.com,zed@x.com,Zed,,en,3,,true",
      "",
    ]);

    const list = one(await cli("sync", "list", "--json"));
    const mine = list.filter((s: { managerId: string }) => s.managerId === m.id);
    expect(mine).toHaveLength(2);
    const run = await cli("sync", "run", mine[0].id, "--json");
    expect(run.code).toBe(0);
    expect(one(run).status).toBe("skipped_unchanged");
  });

  it("dry run, auto key, no header and --map", async () => {
    const m = one(await cli("manager", "create", "--name", uniqueName("cli"), "--json"));
    const csv = file("ann@x.com;Ann\nbob@x.com;Bob\n");
    const dry = one(
      await cli(
        "import",
        "--manager",
        m.id,
        "--file",
        csv,
        "--no-header",
        "--delimiter",
        ";",
        "--key",
        "Column 1",
        "--map",
        "Column 1=Email",
        "--map",
        "Column 2=First Name",
        "--dry-run",
        "--json",
      ),
    );
    expect(dry).toMatchObject({ status: "succeeded", created: 2 });
    expect(JSON.parse((await cli("contacts", "export", "--manager", m.id, "--format", "json")).stdout)).toEqual([]);
    const auto = one(
      await cli(
        "import",
        "--manager",
        m.id,
        "--file",
        csv,
        "--no-header",
        "--delimiter",
        ";",
        "--auto-key",
        "--map",
        "Column 2=First Name",
        "--json",
      ),
    );
    expect(auto).toMatchObject({ status: "succeeded", created: 2 });
    const contacts = JSON.parse((await cli("contacts", "export", "--manager", m.id, "--format", "json")).stdout);
    expect(contacts.map((c: { key: string }) => c.key)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\d{9}$/)]),
    );
    expect(contacts.map((c: { fields: { "First Name": string } }) => c.fields["First Name"]).sort()).toEqual([
      "Ann",
      "Bob",
    ]);
  });

  it("exit codes: 1 for a failed run (JSON still printed) or bad input, 2 for wrong usage", async () => {
    const m = one(await cli("manager", "create", "--name", uniqueName("cli"), "--json"));
    const failed = await cli("import", "--manager", m.id, "--file", file("Mail\nx@y.z\n"), "--key", "Email", "--json");
    expect(failed.code).toBe(1);
    expect(one(failed)).toMatchObject({ status: "failed", message: expect.stringMatching(/no column "Email"/) });
    expect(failed.stderr).toMatch(/no column "Email"/);

    const missing = await cli(
      "import",
      "--manager",
      m.id,
      "--file",
      path.join(dir, "nope.csv"),
      "--key",
      "Email",
      "--json",
    );
    expect(missing.code).toBe(1);
    expect(one(missing).message).toMatch(/does not exist/);

    const noManager = await cli(
      "contacts",
      "export",
      "--manager",
      "00000000-0000-0000-0000-000000000000",
      "--format",
      "json",
    );
    expect(noManager).toMatchObject({ code: 1, stdout: "" });

    const usage = await cli("import", "--manager", m.id, "--key", "Email", "--json");
    expect(usage).toMatchObject({ code: 2, stdout: "" });
    expect((await cli("import", "--bogus", "--json")).code).toBe(2);
    expect((await cli("contacts", "export", "--manager", m.id, "--format", "xml")).code).toBe(2);
  });

  it("user create", async () => {
    const email = `${uniqueName("u")}@example.com`;
    const r = await cli(
      "user",
      "create",
      "--email",
      email,
      "--password",
      "long-enough-pw",
      "--role",
      "editor",
      "--json",
    );
    expect(r.code).toBe(0);
    expect(one(r)).toMatchObject({ email, role: "editor" });
    expect(
      (await cli("user", "create", "--email", email, "--password", "long-enough-pw", "--role", "editor", "--json"))
        .code,
    ).toBe(1);
    expect((await cli("user", "create", "--email", email, "--password", "x", "--role", "boss", "--json")).code).toBe(2);
  });
});
