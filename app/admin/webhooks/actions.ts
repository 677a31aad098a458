"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { getDb } from "@/db/client";
import { authorizedAction } from "@/lib/auth/guard";
import { webhookCreateSchema } from "@/lib/notify/webhook-schema";
import { createWebhook, deleteWebhook } from "@/lib/notify/webhooks";

/** The form sends events and syncIds as repeated fields (one value arrives as a string). Then the API's schema. */
const list = (v: unknown) => (v == null || v === "" ? [] : Array.isArray(v) ? v : [v]);
const formSchema = z.preprocess((v) => {
  const o = (v ?? {}) as Record<string, unknown>;
  const syncIds = list(o.syncIds);
  return { url: o.url, events: list(o.events), syncIds: syncIds.length ? syncIds : null };
}, webhookCreateSchema);

export const createWebhookAction = authorizedAction("admin", formSchema, async (input, user) => {
  const created = await createWebhook(getDb(), input, user);
  try {
    revalidatePath("/admin/webhooks");
  } catch {
    // outside a Next request (tests) there is no page to refresh
  }
  return {
    ok: true,
    message: `Webhook for ${created.url} added. Copy its signing secret now: it is shown only this once.`,
    reveal: created.secret,
  };
});

export const deleteWebhookAction = authorizedAction("admin", z.object({ id: z.uuid() }), async (input, user) => {
  await deleteWebhook(getDb(), input.id, user);
  redirect("/admin/webhooks");
});
