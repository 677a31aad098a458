import { z } from "zod";
import { keyBytes } from "@/lib/security/key-text";

// Every environment variable the app reads, validated once. Import `env` instead of touching process.env.
const bool = z
  .enum(["true", "false", "1", "0", ""])
  .optional()
  .transform((v) => v === "true" || v === "1");

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z.url().optional(),
  /** Where the embedded Postgres keeps its files when DATABASE_URL is unset. */
  EMBEDDED_PG_DIR: z.string().default(".data/postgres"),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),
  /** Secret for session cookies, CSRF tokens and password MACs. Generated into .data/ when unset. */
  AUTH_SECRET: z.string().min(32).optional(),
  /** 32-byte key (base64 or hex) encrypting source passwords and keys at rest. Generated into .data/ when unset. */
  ENCRYPTION_KEY: z
    .string()
    .refine(
      (v) => v === "" || keyBytes(v) !== null,
      "ENCRYPTION_KEY must be 32 bytes written as 64 hex digits or base64 (openssl rand -base64 32).",
    )
    .optional(),
  /** Previous encryption keys (comma-separated) still accepted for decryption during key rotation. */
  ENCRYPTION_KEYS_OLD: z.string().default(""),
  APP_URL: z.url().default("http://localhost:3000"),
  ADMIN_EMAIL: z.email().optional(),
  /** At least lib/auth/users.ts MIN_PASSWORD_LENGTH, like every staff password. */
  ADMIN_PASSWORD: z.string().min(10, "ADMIN_PASSWORD needs at least 10 characters.").optional(),
  /** Let sources reach loopback/private addresses (tests, on-premise servers). */
  ALLOW_PRIVATE_HOSTS: bool,
  /** Comma-separated ports remote sources may use; empty = the protocol's usual ports plus 1024-65535. */
  ALLOWED_PORTS: z
    .string()
    .default("")
    .refine(
      (v) =>
        v.split(",").every((p) => p.trim() === "" || (/^\d+$/.test(p.trim()) && Number(p) >= 1 && Number(p) <= 65535)),
      {
        message: "ALLOWED_PORTS must be port numbers separated by commas, e.g. 8443,2121.",
      },
    ),
  UPLOAD_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(512 * 1024 * 1024),
  /** The most a run reads from any source, counted after decompression: a server that never stops sending is cut off. */
  SOURCE_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(2 * 1024 * 1024 * 1024),
  MAX_ROWS: z.coerce.number().int().positive().default(5_000_000),
  MAX_FIELD_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  MAX_COLUMNS: z.coerce.number().int().positive().default(500),
  SOURCE_CONNECT_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
  SOURCE_IDLE_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
  RESEND_API_KEY: z.string().optional(),
  RESEND_BASE_URL: z.url().optional(),
  MAIL_FROM: z.string().default("Contact Sync <contact-sync@localhost>"),
  SCHEDULER_ENABLED: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
  SCHEDULER_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(15),
  /** Scheduled runs one app instance executes at once; due syncs beyond that are left for other instances. */
  SCHEDULER_MAX_CONCURRENT_RUNS: z.coerce.number().int().min(1).max(100).default(4),
  /** A running run whose heartbeat is older than this is considered dead and marked failed. */
  RUN_STALE_SECONDS: z.coerce.number().int().min(10).default(120),
  /** On SIGTERM/SIGINT, how long runs in flight may go on before they are marked failed and the process exits. */
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(25),
  /** Unfinished wizard drafts not touched for this many days are removed (by the scheduler). */
  DRAFT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(7),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
});

export type Env = z.infer<typeof schema>;

function load(): Env {
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

/** Read lazily so scripts can set process.env (e.g. the embedded DATABASE_URL) before first use. */
let cached: Env | undefined;
export const env: Env = new Proxy({} as Env, {
  get(_t, key: string) {
    cached ??= load();
    return cached[key as keyof Env];
  },
});

/** For tests and launchers that change process.env after a first read. */
export function reloadEnv(): Env {
  cached = load();
  return cached;
}
