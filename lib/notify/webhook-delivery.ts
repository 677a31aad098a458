import http from "node:http";
import https from "node:https";
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { webhookDeliveries, webhooks } from "@/db/schema";
import { logger } from "@/lib/log";
import { claimDue } from "@/lib/notify/claim-due";
import { assertWebhookUrl } from "@/lib/notify/webhooks";
import { SIGNATURE_HEADER, signatureHeader } from "@/lib/notify/webhook-signature";
import { decryptSecret } from "@/lib/security/crypto";
import { guardedLookup } from "@/lib/sources/hosts";

/** Deliveries are retried for this long after the run ended, then given up ("failed"). */
export const WEBHOOK_RETRY_WINDOW_MS = 24 * 3_600_000;
const TIMEOUT_MS = 10_000;

/** Wait before attempt n+1 after n failed ones: 30 s, 1 min, 2 min, … capped at 1 h (about 30 tries in 24 h). */
export function webhookRetryDelayMs(failedAttempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, failedAttempts - 1), 3_600_000);
}

type Outcome = { status: number | null; error: string | null };

/** One signed POST; redirects are not followed (a 3xx is a failed attempt). The address is checked again. */
async function post(url: string, body: string, secret: string, now: Date): Promise<Outcome> {
  try {
    await assertWebhookUrl(url);
  } catch (e) {
    return { status: null, error: e instanceof Error ? e.message : String(e) };
  }
  const target = new URL(url);
  const client = target.protocol === "https:" ? https : http;
  const t = Math.floor(now.getTime() / 1000);
  return new Promise<Outcome>((resolve) => {
    const req = client.request(
      target,
      {
        method: "POST",
        lookup: guardedLookup(false) as never,
        timeout: TIMEOUT_MS,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          "user-agent": "ContactSync-Webhooks/1",
          [SIGNATURE_HEADER]: signatureHeader(secret, body, t),
        },
      },
      (res) => {
        res.resume(); // the answer's body is not read
        res.on("end", () => resolve({ status: res.statusCode ?? null, error: null }));
        res.on("error", () => resolve({ status: res.statusCode ?? null, error: null }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    req.on("error", (e) => resolve({ status: null, error: e.message }));
    req.end(body);
  });
}

export type WebhookDrainResult = { delivered: number; retrying: number; failed: number };

/**
 * Deliver due webhook deliveries (the scheduler heartbeat calls this, and a finished run for its own). Each is
 * claimed with FOR UPDATE SKIP LOCKED and a lease, so any number of instances may drain at once. A 2xx answer
 * delivers; anything else is retried with backoff until 24 hours after the delivery was queued.
 */
export async function drainWebhookDeliveries(
  db: Db,
  opts: { limit?: number; now?: Date; ids?: string[] } = {},
): Promise<WebhookDrainResult> {
  const now = opts.now ?? new Date();
  const claimed = await claimDue(db, webhookDeliveries, opts);
  // Side by side: one slow or silent endpoint (up to the timeout) must not hold up the others.
  const outcomes = await Promise.all(claimed.map(({ id }) => deliverOne(db, id, now)));
  const result: WebhookDrainResult = { delivered: 0, retrying: 0, failed: 0 };
  for (const o of outcomes) if (o) result[o]++;
  return result;
}

/** One claimed delivery: posted, then recorded as delivered, to retry (with backoff) or given up. */
async function deliverOne(db: Db, id: string, now: Date): Promise<keyof WebhookDrainResult | null> {
  const [row] = await db
    .select({ d: webhookDeliveries, url: webhooks.url, secretEnc: webhooks.secretEnc, deletedAt: webhooks.deletedAt })
    .from(webhookDeliveries)
    .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
    .where(eq(webhookDeliveries.id, id));
  if (!row) return null;
  if (row.deletedAt) {
    await db
      .update(webhookDeliveries)
      .set({ status: "failed", lastError: "The webhook was deleted." })
      .where(eq(webhookDeliveries.id, id));
    return "failed";
  }
  const out = await post(row.url, row.d.body, decryptSecret<string>(row.secretEnc), now);
  const ok = out.status !== null && out.status >= 200 && out.status < 300;
  const error = ok ? null : (out.error ?? `HTTP ${out.status}`);
  if (ok) {
    await db
      .update(webhookDeliveries)
      .set({ status: "delivered", lastStatus: out.status, lastError: null, deliveredAt: now })
      .where(eq(webhookDeliveries.id, id));
    return "delivered";
  }
  const next = new Date(now.getTime() + webhookRetryDelayMs(row.d.attempts));
  const giveUp = next.getTime() - row.d.createdAt.getTime() > WEBHOOK_RETRY_WINDOW_MS;
  await db
    .update(webhookDeliveries)
    .set({ status: giveUp ? "failed" : "pending", lastStatus: out.status, lastError: error, nextAttemptAt: next })
    .where(eq(webhookDeliveries.id, id));
  logger.warn(giveUp ? "webhook delivery given up" : "webhook delivery failed, will retry", {
    deliveryId: id,
    attempts: row.d.attempts,
    status: out.status ?? undefined,
    error: error ?? undefined,
  });
  return giveUp ? "failed" : "retrying";
}
