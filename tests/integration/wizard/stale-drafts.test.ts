import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { syncs } from "@/db/schema";
import { removeStaleDrafts } from "@/lib/wizard/stale-drafts";
import { makeManager, makeSync } from "@/tests/integration/runs/fixtures";
import { useDb } from "@/tests/support/db";

const { db } = useDb();
const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000);

describe("drafts untouched for DRAFT_RETENTION_DAYS", () => {
  it("are removed; recent drafts and active imports stay", async () => {
    const manager = await makeManager(db);
    const old = await makeSync(db, manager.id, { state: "draft", updatedAt: daysAgo(8) });
    const recent = await makeSync(db, manager.id, { state: "draft", updatedAt: daysAgo(6) });
    const oldActive = await makeSync(db, manager.id, { state: "active", updatedAt: daysAgo(30) });

    const removed = await removeStaleDrafts(db, 7);
    expect(removed).toContain(old.id);
    expect(removed).not.toContain(recent.id);
    const left = await db.select({ id: syncs.id }).from(syncs).where(eq(syncs.managerId, manager.id));
    expect(left.map((r) => r.id).sort()).toEqual([recent.id, oldActive.id].sort());
    // A shorter retention (the setting) reaches the recent one too.
    expect(await removeStaleDrafts(db, 5)).toContain(recent.id);
  });
});
