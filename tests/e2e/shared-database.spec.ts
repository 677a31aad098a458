import fs from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { embeddedEnv, freePort, reachableTempDir, run, start, waitForUrl } from "@/tests/e2e/app-process";

// The embedded Postgres is one server per clone, shared by the app and every CLI command: a CLI command that
// ends does not stop it, two at once both work, and `npm run db:stop` stops it afterwards.
test("next start via the launcher survives two concurrent CLI imports; db:stop stops the server after", async () => {
  test.setTimeout(300_000);
  const dir = reachableTempDir("contact-sync-shared-");
  const env = embeddedEnv(path.join(dir, "postgres"), await freePort());
  const appPort = await freePort();
  const app = start(
    "tsx",
    ["scripts/with-database.ts", "--bootstrap", "--", "next", "start", "-p", String(appPort), "-H", "127.0.0.1"],
    env,
  );
  try {
    await waitForUrl(`http://127.0.0.1:${appPort}/api/health`, app);
    expect(app.output()).toContain("Started the embedded Postgres");

    // The CLI finds the shared server itself (lib/dev-db/prepare.ts), in its one process.
    const created = await run("node", ["scripts/cli.mjs", "manager", "create", "--name", "Shared", "--json"], env);
    expect(created.code, created.output).toBe(0);
    const managerId = JSON.parse(created.output.slice(created.output.indexOf("{"))).id as string;
    const csv = (n: number) => {
      const file = path.join(dir, `import-${n}.csv`);
      const rows = Array.from({ length: 200 }, (_, i) => `c${n}-${i}@example.test,Name ${i}`);
      fs.writeFileSync(file, `Email,First Name\n${rows.join("\n")}\n`);
      return file;
    };
    const importArgs = (n: number) => [
      "scripts/cli.mjs",
      "import",
      "--manager",
      managerId,
      "--file",
      csv(n),
      "--key",
      "Email",
      "--json",
    ];
    const [a, b] = await Promise.all([run("node", importArgs(1), env), run("node", importArgs(2), env)]);
    expect(a.code, a.output).toBe(0);
    expect(b.code, b.output).toBe(0);

    // Both CLI processes have ended: the app still reaches its database.
    const health = await fetch(`http://127.0.0.1:${appPort}/api/health`);
    expect(health.status).toBe(200);
    const list = await run("node", ["scripts/cli.mjs", "sync", "list", "--json"], env);
    expect(list.code, list.output).toBe(0);
  } finally {
    app.child.kill("SIGTERM");
    await app.exited;
  }
  const stop = await run("npm", ["run", "-s", "db:stop"], env);
  expect(stop.code, stop.output).toBe(0);
  expect(stop.output).toContain("Stopped the embedded Postgres");
  const again = await run("npm", ["run", "-s", "db:stop"], env);
  expect(again.output).toContain("No embedded Postgres was running");
  fs.rmSync(dir, { recursive: true, force: true });
});
