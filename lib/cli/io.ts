import { parseArgs, type ParseArgsConfig } from "node:util";

/** Wrong usage: exit 2. */
export class UsageError extends Error {}
/** Bad input or a failed run: exit 1, message on stderr. */
export class CliFailure extends Error {
  constructor(
    message: string,
    public readonly json?: unknown,
  ) {
    super(message);
  }
}

export type CommandContext = { argv: string[]; json: boolean };
export type Command = (ctx: CommandContext) => Promise<void>;

/** parseArgs with strict checking; unknown or malformed options are usage errors. */
export function parse<T extends NonNullable<ParseArgsConfig["options"]>>(
  argv: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, json: { type: "boolean" } },
      allowPositionals,
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === "") throw new UsageError(`${flag} is required`);
  return value;
}

/** The one JSON document of --json, or a human line. */
export function output(json: boolean, data: unknown, human: string): void {
  process.stdout.write(json ? JSON.stringify(data) + "\n" : human + "\n");
}
