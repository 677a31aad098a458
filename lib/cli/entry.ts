/**
 * The bundled CLI's entry (scripts/cli.mjs builds it into .cli/cli.mjs): one process finds or starts the
 * database as the launcher does (lib/dev-db/prepare.ts), then runs the command. Under vitest (NODE_ENV=test)
 * it reads no .env file, as test runs never do.
 */
import { runCli } from "@/lib/cli/main";

const prepare = async () =>
  (await import("@/lib/dev-db/prepare")).prepareDatabase({
    loadDotenv: process.env.NODE_ENV !== "test",
    // Checked on the pool that the command's first queries use: one connection fewer to open at every start.
    migrationCheck: async () => (await import("@/db/client")).getDrizzlePool(),
  });

runCli(process.argv.slice(2), prepare).then((code) => process.exit(code));
