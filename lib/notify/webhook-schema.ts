import { z } from "zod";
import { webhookEvents } from "@/db/schema";

/** The one shape of "add a webhook endpoint": POST /api/webhooks and the admin page's form. */
export const webhookCreateSchema = z.object({
  url: z
    .string()
    .trim()
    .max(2000, "At most 2000 characters.")
    .pipe(z.url({ protocol: /^https?$/, error: "Enter an http:// or https:// URL." })),
  events: z
    .array(z.enum(webhookEvents, { error: `Events are ${webhookEvents.join(", ")}.` }))
    .min(1, "Choose at least one event.")
    .max(webhookEvents.length),
  /** Only runs of these imports; absent or null: every import. */
  syncIds: z.array(z.uuid("A sync id is a UUID.")).max(200).nullable().optional(),
});
export type WebhookCreateInput = z.output<typeof webhookCreateSchema>;
