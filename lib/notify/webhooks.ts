import { and, asc, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import {
  managers,
  syncs,
  webhookDeliveries,
  webhooks,
  type Run,
  type Webhook,
  type WebhookDelivery,
  type WebhookEvent,
} from "@/db/schema";
import { newestFirstPage, type Page, type PageQuery } from "@/lib/api/paging";
import { audit, type AuditActor } from "@/lib/audit";
import { AppError } from "@/lib/errors";
import { runPageUrl } from "@/lib/notify/run-message";
import { generateWebhookSecret } from "@/lib/notify/webhook-signature";
import type { WebhookCreateInput } from "@/lib/notify/webhook-schema";
import { runJson } from "@/lib/runs/run-json";
import { encryptSecret } from "@/lib/security/crypto";
import { isSourceError } from "@/lib/sources/errors";
import { assertAllowedPort, resolveAllowed } from "@/lib/sources/hosts";

/** A webhook endpoint as answers show it: never its secret (except once, on creation). */
export type WebhookView = {
  id: string;
  url: string;
  events: WebhookEvent[];
  syncIds: string[] | null;
  createdAt: string;
};

export type DeliveryView = {
  id: string;
  webhookId: string;
  runId: string;
  event: WebhookEvent;
  status: WebhookDelivery["status"];
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
};

function view(w: Webhook): WebhookView {
  return { id: w.id, url: w.url, events: w.events, syncIds: w.syncIds ?? null, createdAt: w.createdAt.toISOString() };
}

function deliveryView(d: WebhookDelivery): DeliveryView {
  return {
    id: d.id,
    webhookId: d.webhookId,
    runId: d.runId,
    event: d.event,
    status: d.status,
    attempts: d.attempts,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    nextAttemptAt: d.status === "pending" ? d.nextAttemptAt.toISOString() : null,
    createdAt: d.createdAt.toISOString(),
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
  };
}

/**
 * The SSRF guard of the sources, for a webhook URL: http(s) only, no credentials in it, an allowed port, and
 * every address its host resolves to public (unless ALLOW_PRIVATE_HOSTS). Checked again at each delivery.
 */
export async function assertWebhookUrl(raw: string): Promise<URL> {
  const url = new URL(raw);
  if (url.username || url.password)
    throw new AppError("bad_url", "Put no login or password in a webhook URL; verify the signature instead.", 400);
  const kind = url.protocol === "https:" ? "https" : "http";
  try {
    assertAllowedPort(kind, Number(url.port) || (kind === "https" ? 443 : 80));
    await resolveAllowed(url.hostname, false);
  } catch (e) {
    if (isSourceError(e)) throw new AppError(e.code === "connect_failed" ? "bad_url" : e.code, e.message, 400);
    throw e;
  }
  return url;
}

export async function createWebhook(
  db: Db,
  input: WebhookCreateInput,
  actor: NonNullable<AuditActor>,
): Promise<WebhookView & { secret: string }> {
  await assertWebhookUrl(input.url);
  const syncIds = input.syncIds?.length ? [...new Set(input.syncIds.map((s) => s.toLowerCase()))] : null;
  if (syncIds) {
    const found = await db.select({ id: syncs.id }).from(syncs).where(inArray(syncs.id, syncIds));
    const missing = syncIds.filter((id) => !found.some((f) => f.id === id));
    if (missing.length) throw new AppError("unknown_sync", `No import with the id ${missing[0]}.`, 400);
  }
  const secret = generateWebhookSecret();
  const [row] = await db
    .insert(webhooks)
    .values({
      url: input.url,
      events: [...new Set(input.events)],
      syncIds,
      secretEnc: encryptSecret(secret),
      createdBy: actor.id,
    })
    .returning();
  await audit(db, {
    user: actor,
    action: "webhook.create",
    targetType: "webhook",
    targetId: row.id,
    details: { url: row.url, events: row.events, syncIds },
  });
  return { ...view(row), secret };
}

export async function listWebhooks(db: Db, q: PageQuery = {}): Promise<Page<WebhookView>> {
  const page = await newestFirstPage(q, { time: webhooks.createdAt, id: webhooks.id }, (where, order, limit) =>
    db
      .select({ w: webhooks, _t: sql<string>`${webhooks.createdAt}::text`, _id: webhooks.id })
      .from(webhooks)
      .where(and(isNull(webhooks.deletedAt), where))
      .orderBy(
        ...(order === "desc"
          ? [desc(webhooks.createdAt), desc(webhooks.id)]
          : [asc(webhooks.createdAt), asc(webhooks.id)]),
      )
      .limit(limit),
  );
  return { ...page, rows: page.rows.map((r) => view(r.w)) };
}

async function liveWebhook(db: Db, id: string): Promise<Webhook> {
  const [row] = /^[0-9a-f-]{36}$/i.test(id)
    ? await db
        .select()
        .from(webhooks)
        .where(and(eq(webhooks.id, id), isNull(webhooks.deletedAt)))
    : [];
  if (!row) throw new AppError("not_found", "Webhook not found.");
  return row;
}

/** Remove an endpoint: nothing more is sent to it (pending deliveries are dropped); its log stays readable. */
export async function deleteWebhook(db: Db, id: string, actor: NonNullable<AuditActor>): Promise<WebhookView> {
  const row = await liveWebhook(db, id);
  await db.update(webhooks).set({ deletedAt: new Date() }).where(eq(webhooks.id, row.id));
  await db
    .update(webhookDeliveries)
    .set({ status: "failed", lastError: "The webhook was deleted." })
    .where(and(eq(webhookDeliveries.webhookId, row.id), eq(webhookDeliveries.status, "pending")));
  await audit(db, {
    user: actor,
    action: "webhook.delete",
    targetType: "webhook",
    targetId: row.id,
    details: { url: row.url },
  });
  return view(row);
}

/** An endpoint's delivery log, newest first. */
export async function listDeliveries(db: Db, webhookId: string, q: PageQuery = {}): Promise<Page<DeliveryView>> {
  const hook = await liveWebhook(db, webhookId);
  const page = await newestFirstPage(
    q,
    { time: webhookDeliveries.createdAt, id: webhookDeliveries.id },
    (where, order, limit) =>
      db
        .select({
          d: webhookDeliveries,
          _t: sql<string>`${webhookDeliveries.createdAt}::text`,
          _id: webhookDeliveries.id,
        })
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.webhookId, hook.id), where))
        .orderBy(
          ...(order === "desc"
            ? [desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id)]
            : [asc(webhookDeliveries.createdAt), asc(webhookDeliveries.id)]),
        )
        .limit(limit),
  );
  return { ...page, rows: page.rows.map((r) => deliveryView(r.d)) };
}

const eventOf: Partial<Record<Run["status"], WebhookEvent>> = {
  succeeded: "run.succeeded",
  completed_with_errors: "run.completed_with_errors",
  failed: "run.failed",
  blocked: "run.blocked",
};

/** The body sent for a run: its summary (as GET /api/runs/:id) with the event, manager and run page. */
export function webhookBody(event: WebhookEvent, run: Run, managerId: string): string {
  return JSON.stringify({
    event,
    ...runJson(run),
    syncId: run.syncId,
    managerId,
    runUrl: runPageUrl({ id: run.syncId, managerId }, run.id),
  });
}

/**
 * Queue one delivery per endpoint that wants this run's event (once per run: a second call adds nothing).
 * Dry runs are not announced. Returns the queued delivery ids.
 */
export async function enqueueRunWebhooks(db: Db, run: Run): Promise<string[]> {
  const event = eventOf[run.status];
  if (!event || run.dryRun) return [];
  const [sync] = await db
    .select({ managerId: syncs.managerId })
    .from(syncs)
    .innerJoin(managers, eq(managers.id, syncs.managerId))
    .where(eq(syncs.id, run.syncId));
  if (!sync) return [];
  const hooks = await db
    .select()
    .from(webhooks)
    .where(
      and(
        isNull(webhooks.deletedAt),
        sql`${webhooks.events} ? ${event}`,
        sql`(${webhooks.syncIds} is null or ${webhooks.syncIds} ? ${run.syncId})`,
      ),
    );
  if (!hooks.length) return [];
  const body = webhookBody(event, run, sync.managerId);
  const rows = await db
    .insert(webhookDeliveries)
    .values(hooks.map((h) => ({ webhookId: h.id, runId: run.id, event, body })))
    .onConflictDoNothing()
    .returning({ id: webhookDeliveries.id });
  return rows.map((r) => r.id);
}
