/**
 * The CLI: `npm run -s cli -- <command>` (bundled from lib/cli/entry.ts by scripts/cli.mjs). Thin: parses
 * arguments and calls the same functions the pages call. --json prints one JSON document on stdout and nothing
 * else. Exit codes: 0 success, 1 failed run or bad input (message on stderr), 2 wrong usage.
 */
// Nothing heavy at the top: the usage text and commands without a database load no database code or logger.
import { CliFailure, UsageError, type Command } from "@/lib/cli/io";

const commands: Record<string, () => Promise<Command>> = {
  migrate: async () => (await import("@/lib/cli/commands/migrate")).migrate,
  "user create": async () => (await import("@/lib/cli/commands/user")).userCreate,
  "manager create": async () => (await import("@/lib/cli/commands/manager")).managerCreate,
  "contacts export": async () => (await import("@/lib/cli/commands/contacts")).contactsExport,
  import: async () => (await import("@/lib/cli/commands/import")).importCommand,
  "sync list": async () => (await import("@/lib/cli/commands/sync")).syncList,
  "sync run": async () => (await import("@/lib/cli/commands/sync")).syncRun,
  "sync create": async () => (await import("@/lib/cli/commands/sync")).syncCreate,
  "sync export": async () => (await import("@/lib/cli/commands/sync")).syncExport,
  "schedule preview": async () => (await import("@/lib/cli/commands/schedule")).schedulePreview,
  "token create": async () => (await import("@/lib/cli/commands/token")).tokenCreate,
  "token revoke": async () => (await import("@/lib/cli/commands/token")).tokenRevoke,
};

/** Commands that never touch the database: they run without one being found or started. */
const WITHOUT_DATABASE = new Set(["schedule preview"]);

const USAGE = `usage: npm run -s cli -- <command> [options] [--json]
commands:
  migrate
  user create --email E --password P --role admin|editor|viewer
  manager create --name N [--field "Label:type"]...
  import --manager ID (--file PATH | --url URL) (--key COLUMN | --auto-key) [options]
  contacts export --manager ID --format json|csv
  schedule preview --start YYYY-MM-DDTHH:MM --tz ZONE --rrule RULE --count N
  sync list
  sync run ID
  sync create --definition FILE.json
  sync export ID
  token create --name N --role admin|editor|viewer [--expires YYYY-MM-DD] [--user EMAIL]
  token revoke ID`;

/** Runs one command; `prepare` (finding the database) runs once the command is known to need it. */
export async function runCli(argv: string[], prepare?: () => Promise<unknown>): Promise<number> {
  const json = argv.includes("--json");
  const name = commands[`${argv[0]} ${argv[1]}`] ? `${argv[0]} ${argv[1]}` : argv[0];
  const load = name ? commands[name] : undefined;
  if (!load) {
    process.stderr.write(USAGE + "\n");
    return 2;
  }
  const rest = argv.slice(name.split(" ").length);
  if (prepare && !WITHOUT_DATABASE.has(name)) {
    try {
      await prepare();
    } catch (e) {
      process.stderr.write(`${e instanceof Error ? e.message : e}\n`);
      return 1;
    }
  }
  try {
    await (await load())({ argv: rest, json });
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof CliFailure) {
      if (json && e.json !== undefined) process.stdout.write(JSON.stringify(e.json) + "\n");
      process.stderr.write(e.message + "\n");
      return 1;
    }
    if ((await import("@/lib/errors")).isAppError(e)) {
      process.stderr.write(e.message + "\n");
      return 1;
    }
    process.stderr.write(`error: ${(e as Error)?.message ?? e}\n`);
    return 1;
  } finally {
    if (!WITHOUT_DATABASE.has(name)) await (await import("@/db/client")).closeDb();
  }
}
