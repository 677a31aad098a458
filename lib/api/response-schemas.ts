import { z } from "zod";
import { roles, runStatuses, runTriggers, webhookEvents } from "@/db/schema";

/** Answer shapes of the JSON API, for the OpenAPI document (the code builds them in lib/*; these describe them). */
const when = z.iso.datetime().nullable();
const cursor = z.string().nullable();

export const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export function listOf(name: string, item: z.ZodType) {
  return z.object({ [name]: z.array(item), nextCursor: cursor, prevCursor: cursor });
}

export const runSchema = z.object({
  id: z.uuid(),
  syncId: z.uuid(),
  trigger: z.enum(runTriggers),
  status: z.enum(runStatuses),
  dryRun: z.boolean(),
  queuedAt: z.iso.datetime(),
  startedAt: when,
  finishedAt: when,
  created: z.int(),
  updated: z.int(),
  deleted: z.int(),
  unchanged: z.int(),
  errorCount: z.int(),
  rowsRead: z.int(),
  message: z.string().nullable(),
  sourceName: z.string().nullable(),
  approvesRunId: z.uuid().nullable(),
  revertedAt: when,
});

export const planSchema = z
  .object({
    deleted: z.array(z.string()),
    updated: z.array(z.object({ key: z.string(), changes: z.record(z.string(), z.tuple([z.string(), z.string()])) })),
  })
  .nullable();

export const runDetailSchema = runSchema.extend({ plan: planSchema });
export const runErrorSchema = z.object({
  line: z.int().nullable(),
  column: z.string().nullable(),
  message: z.string(),
});
export const runStartedSchema = z.object({
  runId: z.uuid(),
  dryRun: z.boolean().optional(),
  uploadId: z.uuid().optional(),
});
export const revertResultSchema = z.object({ restored: z.int(), reverted: z.int(), removed: z.int() });

export const tokenSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  role: z.enum(roles),
  userId: z.uuid(),
  userEmail: z.string(),
  prefix: z.string(),
  expiresAt: when,
  lastUsedAt: when,
  revokedAt: when,
  createdAt: z.iso.datetime(),
});
export const createdTokenSchema = tokenSchema.extend({ token: z.string() });

export const webhookSchema = z.object({
  id: z.uuid(),
  url: z.string(),
  events: z.array(z.enum(webhookEvents)),
  syncIds: z.array(z.uuid()).nullable(),
  createdAt: z.iso.datetime(),
});
export const createdWebhookSchema = webhookSchema.extend({ secret: z.string() });
export const deliverySchema = z.object({
  id: z.uuid(),
  webhookId: z.uuid(),
  runId: z.uuid(),
  event: z.enum(webhookEvents),
  status: z.enum(["pending", "delivered", "failed"]),
  attempts: z.int(),
  lastStatus: z.int().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: when,
  createdAt: z.iso.datetime(),
  deliveredAt: when,
});

export const fieldSchema = z.object({ id: z.uuid(), label: z.string(), type: z.string(), role: z.string().nullable() });
export const managerSummarySchema = z.object({ id: z.uuid(), name: z.string(), contactCount: z.int() });
export const managerSchema = managerSummarySchema.extend({ fields: z.array(fieldSchema) });
export const contactSchema = z.object({
  key: z.string(),
  fields: z.record(z.string(), z.union([z.string(), z.literal(true)])),
  updatedAt: z.iso.datetime(),
});
/** The imports list row and the status document are wide; described loosely here. */
export const looseObject = z.looseObject({});
