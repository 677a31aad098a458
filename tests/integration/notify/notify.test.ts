import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { useDb } from "@/tests/support/db";
import { notifications, type Run } from "@/db/schema";
import { reloadEnv } from "@/lib/env";
import { drainOutbox, notifyRunFinished, retryDelayMs } from "@/lib/notify";
import { addRunErrors, makeManager, makeRun, makeSync } from "@/tests/integration/runs/fixtures";
import { startResendStandIn } from "@/tests/integration/notify/resend-stand-in";

const { db } = useDb();
const saved = { ...process.env };

function configure(vars: Record<string, string | undefined>) {
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  reloadEnv();
}

async function outboxFor(run: Run) {
  return db.select().from(notifications).where(eq(notifications.runId, run.id));
}

beforeAll(() => configure({ APP_URL: "https://contacts.example.test", MAIL_FROM: "Contact Sync <sync@example.test>" }));
afterEach(() => configure({ RESEND_API_KEY: undefined, RESEND_BASE_URL: undefined }));
afterAll(() => {
  process.env = saved;
  reloadEnv();
});

describe("error emails through Resend", () => {
  it("sends the error email of a run with row errors, with a link to the run page", async () => {
    const api = await startResendStandIn();
    try {
      configure({ RESEND_API_KEY: "re_test_key", RESEND_BASE_URL: api.url });
      const manager = await makeManager(db);
      const sync = await makeSync(db, manager.id, { errorEmail: "ops@example.test, lead@example.test" });
      const run = await makeRun(db, sync.id, { status: "completed_with_errors", created: 3, updated: 1 });
      await addRunErrors(db, run.id, [
        { line: 4, column: "Email", message: "not an email address" },
        { line: 9, column: "Language", message: "English is not an ISO language tag" },
      ]);
      await notifyRunFinished({ ...run, errorCount: 2 });

      expect(api.received).toHaveLength(1);
      const [req] = api.received;
      expect(req.path).toBe("/emails");
      expect(req.headers.authorization).toBe("Bearer re_test_key");
      const [row] = await outboxFor(run);
      expect(req.headers["idempotency-key"]).toBe(`notification-${row.id}`);
      expect(req.body.to).toEqual(["ops@example.test", "lead@example.test"]);
      expect(req.body.from).toBe("Contact Sync <sync@example.test>");
      expect(req.body.subject).toContain(sync.name);
      expect(req.body.text).toContain('line 4, column "Email": not an email address');
      expect(req.body.text).toContain(
        `https://contacts.example.test/managers/${manager.id}/imports/${sync.id}/runs/${run.id}`,
      );
      expect(row.status).toBe("sent");
      expect(row.attempts).toBe(1);
      expect(row.sentAt).not.toBeNull();
    } finally {
      await api.close();
    }
  });

  it("retries with backoff after a failure, with the same idempotency key", async () => {
    const api = await startResendStandIn((n) =>
      n === 1
        ? { status: 503, body: { name: "internal_server_error", message: "try later", statusCode: 503 } }
        : { status: 200, body: {} },
    );
    try {
      configure({ RESEND_API_KEY: "re_test_key", RESEND_BASE_URL: api.url });
      const manager = await makeManager(db);
      const sync = await makeSync(db, manager.id, { errorEmail: "ops@example.test" });
      const run = await makeRun(db, sync.id, { status: "failed", message: "The server refused the login." });
      await notifyRunFinished(run);

      let [row] = await outboxFor(run);
      expect(api.received).toHaveLength(1);
      expect(row.status).toBe("pending");
      expect(row.attempts).toBe(1);
      expect(row.lastError).toContain("503");
      // Not due yet: a drain right away leaves it alone. (Drains name this test's message: other test files
      // queue messages in the same database at the same time.)
      await drainOutbox(db, { ids: [row.id] });
      expect(api.received).toHaveLength(1);

      const later = new Date(row.nextAttemptAt.getTime() + 1000);
      expect(row.nextAttemptAt.getTime() - Date.now()).toBeGreaterThan(retryDelayMs(1) - 5_000);
      await drainOutbox(db, { now: later, ids: [row.id] });
      [row] = await outboxFor(run);
      expect(api.received).toHaveLength(2);
      expect(api.received[1].headers["idempotency-key"]).toBe(api.received[0].headers["idempotency-key"]);
      expect(row.status).toBe("sent");
      expect(row.attempts).toBe(2);
      expect(row.lastError).toBeNull();
      expect(String(api.received[1].body.text)).toContain("The server refused the login.");
    } finally {
      await api.close();
    }
  });

  it("gives up at once when Resend rejects the message", async () => {
    const api = await startResendStandIn(() => ({
      status: 422,
      body: { name: "validation_error", message: "Invalid `to` field.", statusCode: 422 },
    }));
    try {
      configure({ RESEND_API_KEY: "re_test_key", RESEND_BASE_URL: api.url });
      const manager = await makeManager(db);
      const sync = await makeSync(db, manager.id, { errorEmail: "not-an-address" });
      const run = await makeRun(db, sync.id, { status: "blocked", updated: 40, deleted: 12 });
      await notifyRunFinished(run);
      const [row] = await outboxFor(run);
      expect(row.status).toBe("failed");
      expect(row.lastError).toContain("Invalid `to` field.");
      expect(row.body).toContain("12 deleted");
    } finally {
      await api.close();
    }
  });

  it("retries when the API cannot be reached, and fails after the last attempt", async () => {
    const api = await startResendStandIn();
    const deadUrl = api.url;
    await api.close();
    configure({ RESEND_API_KEY: "re_test_key", RESEND_BASE_URL: deadUrl });
    const manager = await makeManager(db);
    const sync = await makeSync(db, manager.id, { errorEmail: "ops@example.test" });
    const run = await makeRun(db, sync.id, { status: "failed", message: "boom" });
    await notifyRunFinished(run);
    let [row] = await outboxFor(run);
    expect(row.status).toBe("pending");
    for (let i = 0; i < 10 && row.status === "pending"; i++) {
      await drainOutbox(db, { now: new Date(row.nextAttemptAt.getTime() + 1000), ids: [row.id] });
      [row] = await outboxFor(run);
    }
    expect(row.status).toBe("failed");
    expect(row.attempts).toBe(6);
    expect(row.lastError).toContain("network");
  });

  it("logs and keeps the message with status 'logged' when no API key is set", async () => {
    configure({ RESEND_API_KEY: undefined });
    const manager = await makeManager(db);
    const sync = await makeSync(db, manager.id, { errorEmail: "ops@example.test" });
    const run = await makeRun(db, sync.id, { status: "failed", message: "Source not found (404)." });
    await notifyRunFinished(run);
    const [row] = await outboxFor(run);
    expect(row.status).toBe("logged");
    expect(row.to).toBe("ops@example.test");
    expect(row.body).toContain("Source not found (404).");
  });

  it("sends nothing for successful runs, dry runs or syncs without an error email, and only once per run", async () => {
    const api = await startResendStandIn();
    try {
      configure({ RESEND_API_KEY: "re_test_key", RESEND_BASE_URL: api.url });
      const manager = await makeManager(db);
      const withEmail = await makeSync(db, manager.id, { errorEmail: "ops@example.test" });
      const withoutEmail = await makeSync(db, manager.id, { errorEmail: null });
      const ok = await makeRun(db, withEmail.id, { status: "succeeded" });
      const dry = await makeRun(db, withEmail.id, { status: "failed", dryRun: true });
      const silent = await makeRun(db, withoutEmail.id, { status: "failed" });
      for (const r of [ok, dry, silent]) await notifyRunFinished(r);
      for (const r of [ok, dry, silent]) expect(await outboxFor(r)).toHaveLength(0);

      const failed = await makeRun(db, withEmail.id, { status: "failed" });
      await notifyRunFinished(failed);
      await notifyRunFinished(failed);
      expect(await outboxFor(failed)).toHaveLength(1);
      expect(api.received).toHaveLength(1);
    } finally {
      await api.close();
    }
  });

  it("delivers each message once when several drainers run at the same time", async () => {
    const api = await startResendStandIn();
    try {
      configure({ RESEND_API_KEY: "re_test_key", RESEND_BASE_URL: api.url });
      const manager = await makeManager(db);
      const sync = await makeSync(db, manager.id, { errorEmail: "ops@example.test" });
      const queued: Run[] = [];
      // Queue five messages without draining, then let three drainers race for them.
      for (let i = 0; i < 5; i++)
        queued.push(await makeRun(db, sync.id, { status: "failed", message: `failure ${i}` }));
      const { enqueueRunNotification } = await import("@/lib/notify");
      const ids: string[] = [];
      for (const r of queued) ids.push((await enqueueRunNotification(db, r))!);
      await Promise.all([drainOutbox(db, { ids }), drainOutbox(db, { ids }), drainOutbox(db, { ids })]);
      const keys = api.received.map((r) => r.headers["idempotency-key"]);
      const ours = new Set<string>();
      for (const r of queued) {
        const [row] = await outboxFor(r);
        expect(row.status).toBe("sent");
        ours.add(`notification-${row.id}`);
      }
      const oursSent = keys.filter((k) => ours.has(String(k)));
      expect(oursSent).toHaveLength(5);
      expect(new Set(oursSent).size).toBe(5);
    } finally {
      await api.close();
    }
  });
});
