import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { useDb } from "@/tests/support/db";
import { notifications } from "@/db/schema";
import { reloadEnv } from "@/lib/env";
import { runSync } from "@/lib/sync/run";
import { makeManager, makeSync } from "@/tests/integration/runs/fixtures";
import { startResendStandIn } from "@/tests/integration/notify/resend-stand-in";

const { db } = useDb();
const saved = { ...process.env };
const dirs: string[] = [];
afterAll(async () => {
  process.env = saved;
  reloadEnv();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("the engine sends the error email when a run ends", () => {
  it("a run with row errors mails the sync's address, a clean run does not", async () => {
    const api = await startResendStandIn();
    try {
      Object.assign(process.env, {
        RESEND_API_KEY: "re_engine",
        RESEND_BASE_URL: api.url,
        APP_URL: "https://sync.example.test",
      });
      reloadEnv();
      const dir = await mkdtemp(path.join(tmpdir(), "notify-"));
      dirs.push(dir);
      const file = path.join(dir, "c.csv");
      const manager = await makeManager(db);
      const email = manager.fields.find((f) => f.role === "email")!.id;
      const sync = await makeSync(db, manager.id, {
        sourceKind: "file",
        location: file,
        alwaysImport: true,
        errorEmail: "ops@example.test",
        mapping: { keyColumn: "Key", autoKey: false, columns: [{ column: "Email", fieldId: email }] },
      });

      await writeFile(file, "Key,Email\n1,ann@example.test\n2,not-an-address\n");
      const bad = await runSync({ syncId: sync.id, trigger: "manual" });
      expect(bad.status).toBe("completed_with_errors");
      expect(api.received).toHaveLength(1);
      expect(api.received[0].body.to).toEqual(["ops@example.test"]);
      expect(String(api.received[0].body.text)).toContain("line 3");
      expect(String(api.received[0].body.text)).toContain(
        `https://sync.example.test/managers/${manager.id}/imports/${sync.id}/runs/${bad.runId}`,
      );
      const [row] = await db.select().from(notifications).where(eq(notifications.runId, bad.runId));
      expect(row.status).toBe("sent");

      await writeFile(file, "Key,Email\n1,ann@example.test\n2,bob@example.test\n");
      const good = await runSync({ syncId: sync.id, trigger: "manual" });
      expect(good.status).toBe("succeeded");
      expect(api.received).toHaveLength(1);
    } finally {
      await api.close();
    }
  });
});
