import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { roles, users } from "@/db/schema/auth";

/**
 * API tokens: `Authorization: Bearer cs_…` on /api/ routes. Only the SHA-256 of the token is stored; the token
 * acts as its user, with at most its own role (and never more than the user's current role).
 */
export const apiTokens = pgTable(
  "api_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    role: text("role", { enum: roles }).notNull(),
    /** Whose token it is: the acting user (an admin's own account, or a service account user). */
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    /** Hex SHA-256 of the whole token text. */
    tokenHash: text("token_hash").notNull(),
    /** The first characters of the token ("cs_AbCd"), so staff can tell tokens apart. */
    prefix: text("prefix").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    lastUsedIp: text("last_used_ip"),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("api_tokens_hash_idx").on(t.tokenHash), index("api_tokens_user_idx").on(t.userId)],
);

export const webhookEvents = ["run.succeeded", "run.completed_with_errors", "run.failed", "run.blocked"] as const;
export type WebhookEvent = (typeof webhookEvents)[number];

/** Webhook endpoints: where finished runs are announced, signed with the endpoint's secret. */
export const webhooks = pgTable("webhooks", {
  id: uuid("id").primaryKey().defaultRandom(),
  url: text("url").notNull(),
  events: jsonb("events").$type<WebhookEvent[]>().notNull(),
  /** Only runs of these syncs; null: every sync. */
  syncIds: jsonb("sync_ids").$type<string[] | null>(),
  /** AES-256-GCM envelope of the signing secret (the HMAC key is the secret text shown once). */
  secretEnc: text("secret_enc").notNull(),
  createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  deletedAt: timestamp("deleted_at", { withTimezone: true }),
});

/** The webhook outbox: one row per (endpoint, run event), retried with backoff for 24 hours. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    webhookId: uuid("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    runId: uuid("run_id").notNull(),
    event: text("event", { enum: webhookEvents }).notNull(),
    body: text("body").notNull(),
    status: text("status", { enum: ["pending", "delivered", "failed"] })
      .notNull()
      .default("pending"),
    attempts: integer("attempts").notNull().default(0),
    /** HTTP status of the last attempt (null: no answer). */
    lastStatus: integer("last_status"),
    lastError: text("last_error"),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_once_idx").on(t.webhookId, t.runId, t.event),
    index("webhook_deliveries_pending_idx").on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index("webhook_deliveries_webhook_idx").on(t.webhookId, t.createdAt),
  ],
);

export type ApiToken = typeof apiTokens.$inferSelect;
export type Webhook = typeof webhooks.$inferSelect;
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;
