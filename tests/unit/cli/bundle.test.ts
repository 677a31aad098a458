import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../../..");

function run(cwd: string, cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: 60_000, env: { ...process.env, DATABASE_URL: "" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the bundled CLI", { timeout: 120_000 }, () => {
  it("without a known command prints the usage on stderr and exits 2, through npm as users run it", () => {
    for (const args of [[], ["--help"], ["no-such-command", "--json"]]) {
      const r = run(root, "npm", ["run", "-s", "cli", "--", ...args]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^usage: npm run -s cli -- <command> \[options\] \[--json\]\ncommands:\n {2}migrate\n/);
    }
  });

  // A copy of the sources (node_modules linked), so that editing them cannot disturb other tests.
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), "cli-bundle-"));
  afterAll(() => fs.rmSync(copy, { recursive: true, force: true }));

  it("is built on first use and rebuilt when a source is newer than it", () => {
    for (const entry of ["lib", "db", "scripts", "package.json", "tsconfig.json"])
      fs.cpSync(path.join(root, entry), path.join(copy, entry), { recursive: true });
    fs.symlinkSync(fs.realpathSync(path.join(root, "node_modules")), path.join(copy, "node_modules"));
    const bundle = path.join(copy, ".cli/cli.mjs");
    const cli = () => run(copy, process.execPath, ["scripts/cli.mjs"]);

    const first = cli();
    expect(first.code).toBe(2);
    expect(first.stderr).toMatch(/^usage: npm run -s cli/);
    expect(fs.existsSync(bundle)).toBe(true);
    const inputs = JSON.parse(fs.readFileSync(path.join(copy, ".cli/inputs.json"), "utf8"));
    expect(inputs.root).toBe(copy);
    expect(inputs.inputs).toContain("lib/cli/main.ts");
    expect(inputs.inputs).toContain("lib/dev-db/prepare.ts");

    // Nothing changed: the same bundle is used.
    const built = fs.statSync(bundle).mtimeMs;
    expect(cli().code).toBe(2);
    expect(fs.statSync(bundle).mtimeMs).toBe(built);

    // An edited source is in the next run.
    const main = path.join(copy, "lib/cli/main.ts");
    fs.writeFileSync(main, fs.readFileSync(main, "utf8").replace("usage: npm run", "usage (edited): npm run"));
    const edited = cli();
    expect(edited.code).toBe(2);
    expect(edited.stderr).toMatch(/^usage \(edited\): npm run -s cli/);
    expect(fs.statSync(bundle).mtimeMs).toBeGreaterThan(built);

    // A source merely touched is newer too: rebuilt.
    const rebuilt = fs.statSync(bundle).mtimeMs;
    const later = new Date(rebuilt + 2000);
    fs.utimesSync(path.join(copy, "lib/cli/io.ts"), later, later);
    expect(cli().code).toBe(2);
    expect(fs.statSync(bundle).mtimeMs).toBeGreaterThan(rebuilt);
  });
});
