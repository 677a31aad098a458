"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { getDb } from "@/db/client";
import { audit } from "@/lib/audit";
import { authorizedAction } from "@/lib/auth/guard";
import { drainOutbox } from "@/lib/notify";
import { outboxPath } from "@/lib/paths";

/** "Deliver due messages now": the same drain the scheduler runs, on demand (admins). */
export const drainOutboxAction = authorizedAction("admin", z.object({}), async (_input, user) => {
  const result = await drainOutbox(getDb(), { limit: 100 });
  await audit(getDb(), { user, action: "outbox.drain", targetType: "outbox", details: result });
  redirect(outboxPath({ drained: `${result.sent}-${result.logged}-${result.retrying}-${result.failed}` }));
});
