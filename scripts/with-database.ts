/**
 * Launcher used by `npm start`, `npm test` and the benches: makes sure a migrated database exists, then runs
 * the given command with DATABASE_URL (and local secrets) in its environment (lib/dev-db/prepare.ts; the CLI
 * does the same in its own process).
 *
 *   tsx scripts/with-database.ts [--test] [--bootstrap] -- <command...>
 *
 * Without DATABASE_URL it uses this clone's shared embedded Postgres (lib/dev-db), starting it when no process
 * has yet; it never stops it (`npm run db:stop` does). With --test it works in a fresh scratch database on that
 * server (or on the server from DATABASE_URL) that is dropped afterwards, so test runs never see each other's
 * data. With --bootstrap it creates the first admin when there are no users. It prints nothing on stdout
 * itself.
 */
import { spawn } from "node:child_process";
import { prepareDatabase } from "@/lib/dev-db/prepare";

const argv = process.argv.slice(2);
const testMode = argv.includes("--test");
const bootstrap = argv.includes("--bootstrap");
const sep = argv.indexOf("--");
const command = sep >= 0 ? argv.slice(sep + 1) : [];
if (command.length === 0) {
  console.error("usage: tsx scripts/with-database.ts [--test] [--bootstrap] -- <command...>");
  process.exit(2);
}

async function main(): Promise<number> {
  const prepared = await prepareDatabase({ test: testMode, bootstrap });
  const child = spawn(command[0], command.slice(1), { stdio: "inherit", env: process.env, shell: false });
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  const code: number = await new Promise((resolve) => child.on("exit", (c, s) => resolve(c ?? (s ? 1 : 0))));
  await prepared.dropScratch();
  return code;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
