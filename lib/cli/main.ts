/**
 * The CLI (SPEC §8): `npm run -s cli -- <command>`. Thin: parses arguments and calls the same functions
 * the pages call. --json prints one JSON document on stdout and nothing else. Exit codes: 0 success,
 * 1 failed run or bad input (message on stderr), 2 wrong usage.
 */
import { closeDb } from "@/db/client";
import { isAppError } from "@/lib/errors";
import { CliFailure, UsageError, type Command } from "./io";

const commands: Record<string, () => Promise<Command>> = {
  migrate: async () => (await import("./commands/migrate")).migrate,
  "user create": async () => (await import("./commands/user")).userCreate,
  "manager create": async () => (await import("./commands/manager")).managerCreate,
  "contacts export": async () => (await import("./commands/contacts")).contactsExport,
  import: async () => (await import("./commands/import")).importCommand,
  "sync list": async () => (await import("./commands/sync")).syncList,
  "sync run": async () => (await import("./commands/sync")).syncRun,
  "schedule preview": async () => (await import("./commands/schedule")).schedulePreview,
};

const USAGE = `usage: npm run -s cli -- <command> [options] [--json]
commands:
  migrate
  user create --email E --password P --role admin|editor|viewer
  manager create --name N [--field "Label:type"]...
  import --manager ID (--file PATH | --url URL) (--key COLUMN | --auto-key) [options]
  contacts export --manager ID --format json|csv
  schedule preview --start YYYY-MM-DDTHH:MM --tz ZONE --rrule RULE --count N
  sync list
  sync run ID`;

async function main(argv: string[]): Promise<number> {
  const json = argv.includes("--json");
  const name = commands[`${argv[0]} ${argv[1]}`] ? `${argv[0]} ${argv[1]}` : argv[0];
  const load = name ? commands[name] : undefined;
  if (!load) {
    process.stderr.write(USAGE + "\n");
    return 2;
  }
  const rest = argv.slice(name.split(" ").length);
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
    if (isAppError(e)) {
      process.stderr.write(e.message + "\n");
      return 1;
    }
    process.stderr.write(`error: ${(e as Error)?.message ?? e}\n`);
    return 1;
  } finally {
    await closeDb();
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
