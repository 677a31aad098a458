"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { getDb } from "@/db/client";
import { createApiTokenFrom, revokeApiToken } from "@/lib/auth/api-tokens";
import { authorizedAction } from "@/lib/auth/guard";
import { tokenCreateSchema } from "@/lib/auth/token-schema";

/** The form's blanks mean "none": no expiry, the admin's own token. Then the API's own schema. */
const formSchema = z.preprocess((v) => {
  const o = (v ?? {}) as Record<string, unknown>;
  return { ...o, expiresAt: o.expiresAt || null, userId: o.userId || undefined };
}, tokenCreateSchema);

export const createTokenAction = authorizedAction("admin", formSchema, async (input, user) => {
  const created = await createApiTokenFrom(getDb(), input, user);
  refreshList();
  return {
    ok: true,
    message: `Token “${created.name}” created. Copy it now: it is shown only this once.`,
    reveal: created.token,
  };
});

export const revokeTokenAction = authorizedAction("admin", z.object({ id: z.uuid() }), async (input, user) => {
  await revokeApiToken(getDb(), input.id, user);
  redirect("/admin/tokens");
});

/** The list shows the new token at once; outside a Next request (tests) there is no page to refresh. */
function refreshList(): void {
  try {
    revalidatePath("/admin/tokens");
  } catch {
    // not in a request
  }
}
