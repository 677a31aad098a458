import pino from "pino";
import { env } from "@/lib/env";

/**
 * Structured logs (pino): one JSON object a line on stderr — time, level name, message, context — with child
 * loggers that carry a request's or a run's ids. Errors passed as `err` are logged with their type, message
 * and stack. Secrets never reach a log: fields that hold them are redacted by name, and credentials written
 * into a URL (ftp://user:password@host) are masked in every string. Tests log warnings and errors only unless
 * LOG_LEVEL asks for more (the launcher and vitest set warn by default).
 */
type Context = Record<string, unknown>;

const SECRET_KEYS = [
  "password",
  "passwordHash",
  "password_hash",
  "secret",
  "token",
  "apiKey",
  "authorization",
  "cookie",
  "privateKey",
  "passphrase",
  "encryptionKey",
];
const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]*@/gi;

function maskUrls(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return value.replace(URL_CREDENTIALS, "$1[redacted]@");
  if (value instanceof Error) {
    // Still an error of its own class (the err serializer runs after this), its texts masked.
    const copy = Object.assign(Object.create(Object.getPrototypeOf(value)), value) as Error;
    Object.defineProperty(copy, "message", { value: maskUrls(value.message), enumerable: false, writable: true });
    Object.defineProperty(copy, "stack", { value: maskUrls(value.stack), enumerable: false, writable: true });
    if (value.cause !== undefined) copy.cause = maskUrls(value.cause, depth + 1);
    return copy;
  }
  if (depth > 4 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => maskUrls(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskUrls(v, depth + 1)]));
}

/** Made on first use: a CLI run that logs nothing (an unchanged file) does not pay for setting up the redaction. */
const root = () =>
  pino(
    {
      level: env.LOG_LEVEL,
      base: { pid: process.pid },
      messageKey: "msg",
      timestamp: () => `,"t":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }), log: (obj) => maskUrls(obj) as Context },
      serializers: { err: pino.stdSerializers.err },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    },
    process.stderr,
  );

export type Logger = {
  debug: (msg: string, ctx?: Context) => void;
  info: (msg: string, ctx?: Context) => void;
  warn: (msg: string, ctx?: Context) => void;
  error: (msg: string, ctx?: Context) => void;
  /** A logger whose every line carries these fields (a request id, a run id). */
  child: (bindings: Context) => Logger;
  level: string;
};

/** A logger over the pino logger `make` returns, made when it is first used (a child: from its parent then). */
function wrap(make: () => pino.Logger): Logger {
  let made: pino.Logger | undefined;
  const p = () => (made ??= make());
  const at = (level: "debug" | "info" | "warn" | "error") => (msg: string, ctx?: Context) =>
    ctx ? p()[level](ctx, maskUrls(msg) as string) : p()[level](maskUrls(msg) as string);
  return {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: (bindings) => wrap(() => p().child(bindings)),
    get level() {
      return p().level;
    },
    set level(level: string) {
      p().level = level;
    },
  };
}

export const logger: Logger = wrap(root);
