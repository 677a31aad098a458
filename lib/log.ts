import { env } from "@/lib/env";

type Level = "debug" | "info" | "warn" | "error";
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Structured logs: one JSON object a line on stderr, with the request or run id as context. Never log secrets. */
export function log(level: Level, msg: string, context: Record<string, unknown> = {}): void {
  if (order[level] < order[env.LOG_LEVEL]) return;
  process.stderr.write(JSON.stringify({ t: new Date().toISOString(), level, msg, ...context }) + "\n");
}

export const logger = {
  debug: (msg: string, ctx?: Record<string, unknown>) => log("debug", msg, ctx),
  info: (msg: string, ctx?: Record<string, unknown>) => log("info", msg, ctx),
  warn: (msg: string, ctx?: Record<string, unknown>) => log("warn", msg, ctx),
  error: (msg: string, ctx?: Record<string, unknown>) => log("error", msg, ctx),
};
