import http from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { webhookDeliveries } from "@/db/schema";
import { setSessionReaderForTests } from "@/lib/auth/current-user";
import { reloadEnv } from "@/lib/env";
import { drainWebhookDeliveries, notifyRunFinished } from "@/lib/notify";
import { verifySignature } from "@/lib/notify/webhook-signature";
import * as webhooksRoute from "@/app/api/webhooks/route";
import * as webhookRoute from "@/app/api/webhooks/[id]/route";
import * as deliveriesRoute from "@/app/api/webhooks/[id]/deliveries/route";
import { actAs, createTestUser } from "@/tests/integration/auth/helpers";
import { makeManager, makeRun, makeSync } from "@/tests/integration/runs/fixtures";
import { useDb } from "@/tests/support/db";

/**
 * Webhooks end to end against a receiver on 127.0.0.1 that checks the signature as a customer would: the
 * first delivery gets a 500, the retry (a later drain) a 200.
 */
const { db } = useDb();
type Received = { body: string; signature: string | undefined; ok: boolean };
let received: Received[] = [];
let answers: number[] = [];
let secret = "";
let server: http.Server;
let url = "";
/** The moment the receiver believes it is (the drains below look at later moments). */
let clock: Date | null = null;

beforeAll(async () => {
  process.env.ALLOW_PRIVATE_HOSTS = "true";
  reloadEnv();
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const signature = req.headers["contactsync-signature"] as string | undefined;
      received.push({
        body,
        signature,
        // Fresh against the real clock (a scheduler of another test file may deliver it) or the drain's.
        ok: [new Date(), clock ?? new Date()].some((at) =>
          verifySignature(secret, body, signature, Math.floor(at.getTime() / 1000)),
        ),
      });
      res.statusCode = answers.shift() ?? 200;
      res.end("thanks");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/contact-sync`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  delete process.env.ALLOW_PRIVATE_HOSTS;
  reloadEnv();
});
afterEach(() => {
  setSessionReaderForTests(null);
  received = [];
  answers = [];
  clock = null;
});

const base = "http://127.0.0.1:3000";
const ctx = <P extends Record<string, string>>(params: P = {} as P) => ({ params: Promise.resolve(params) });
const postHook = (body: unknown) =>
  webhooksRoute.POST(new Request(`${base}/api/webhooks`, { method: "POST", body: JSON.stringify(body) }), ctx());

describe("webhooks", () => {
  it("signs the run summary, retries after a 500 and logs both attempts", async () => {
    const admin = await createTestUser(db, "admin");
    actAs(admin);
    const m = await makeManager(db);
    const sync = await makeSync(db, m.id);
    const res = await postHook({ url, events: ["run.failed", "run.blocked"], syncIds: [sync.id] });
    expect(res.status).toBe(201);
    const hook = await res.json();
    expect(hook.secret).toMatch(/^whsec_/);
    secret = hook.secret;
    const list = await (await webhooksRoute.GET(new Request(`${base}/api/webhooks`), ctx())).json();
    expect(JSON.stringify(list)).not.toContain(secret);

    answers = [500];
    const run = await makeRun(db, sync.id, { status: "failed", message: "The server refused the login." });
    await notifyRunFinished(run);
    const [first] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.runId, run.id));
    // Not due yet: nothing is sent. (Other test files' schedulers drain the same database, with private
    // addresses refused: their attempts fail before reaching the receiver, so drain until it is delivered.)
    expect((await drainWebhookDeliveries(db, { ids: [first.id] })).delivered).toBe(0);
    let later = new Date();
    for (let i = 0; i < 10 && received.filter((r) => r.ok).length < 2; i++) {
      later = new Date(later.getTime() + 3_600_000);
      clock = later;
      await drainWebhookDeliveries(db, { ids: [first.id], now: later });
    }
    const [seen] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, first.id));
    expect(received.length, JSON.stringify(seen)).toBeGreaterThanOrEqual(2);
    expect(received.every((r) => r.ok)).toBe(true);
    const [delivered] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, first.id));
    expect(delivered).toMatchObject({ status: "delivered", lastStatus: 200 });
    const last = received.at(-1)!;
    const t = Number(/t=(\d+)/.exec(last.signature!)![1]);
    expect(t).toBe(Math.floor(later.getTime() / 1000));
    const body = JSON.parse(last.body);
    expect(body).toMatchObject({
      event: "run.failed",
      id: run.id,
      status: "failed",
      syncId: sync.id,
      managerId: m.id,
      message: "The server refused the login.",
    });
    expect(body.runUrl).toMatch(new RegExp(`/managers/${m.id}/imports/${sync.id}/runs/${run.id}$`));
    // A tampered body or another secret does not verify.
    expect(verifySignature(secret, last.body.replace("failed", "succeeded"), last.signature, t)).toBe(false);
    expect(verifySignature("whsec_other", last.body, last.signature, t)).toBe(false);

    const log = await (
      await deliveriesRoute.GET(new Request(`${base}/api/webhooks/${hook.id}/deliveries`), ctx({ id: hook.id }))
    ).json();
    expect(log.deliveries).toHaveLength(1);
    expect(log.deliveries[0]).toMatchObject({ status: "delivered", lastStatus: 200, event: "run.failed" });
    expect(log.deliveries[0].attempts).toBeGreaterThanOrEqual(2);

    // Once per run: finishing it again queues nothing new.
    await notifyRunFinished(run);
    expect(await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.runId, run.id))).toHaveLength(1);
  });

  it("queues only the chosen events of the chosen syncs, never for dry runs nor after deletion", async () => {
    const admin = await createTestUser(db, "admin");
    actAs(admin);
    const m = await makeManager(db);
    const wanted = await makeSync(db, m.id);
    const other = await makeSync(db, m.id);
    const hook = await (await postHook({ url, events: ["run.succeeded"], syncIds: [wanted.id] })).json();
    secret = hook.secret;
    const queued = async () =>
      (await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, hook.id))).map((d) => d.runId);
    await notifyRunFinished(await makeRun(db, other.id, { status: "succeeded" }));
    await notifyRunFinished(await makeRun(db, wanted.id, { status: "failed" }));
    await notifyRunFinished(await makeRun(db, wanted.id, { status: "succeeded", dryRun: true }));
    expect(await queued()).toEqual([]);
    const good = await makeRun(db, wanted.id, { status: "succeeded" });
    await notifyRunFinished(good);
    expect(await queued()).toEqual([good.id]);
    await webhookRoute.DELETE(
      new Request(`${base}/api/webhooks/${hook.id}`, { method: "DELETE" }),
      ctx({ id: hook.id }),
    );
    await notifyRunFinished(await makeRun(db, wanted.id, { status: "succeeded" }));
    expect(await queued()).toEqual([good.id]);
  });

  it("gives up 24 hours after the run, leaving the delivery as failed", async () => {
    const admin = await createTestUser(db, "admin");
    actAs(admin);
    const m = await makeManager(db);
    const sync = await makeSync(db, m.id);
    secret = (await (await postHook({ url, events: ["run.blocked"], syncIds: [sync.id] })).json()).secret;
    answers = [503];
    const run = await makeRun(db, sync.id, { status: "blocked" });
    await notifyRunFinished(run);
    const [d] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.runId, run.id));
    answers = [503];
    await drainWebhookDeliveries(db, { ids: [d.id], now: new Date(Date.now() + 24 * 3_600_000) });
    const [after] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, d.id));
    expect(after.status).toBe("failed");
    expect(after.attempts).toBeGreaterThanOrEqual(2);
  });

  it("refuses URLs the SSRF guard refuses with 400, and bad bodies", async () => {
    process.env.ALLOW_PRIVATE_HOSTS = "false";
    reloadEnv();
    try {
      actAs(await createTestUser(db, "admin"));
      for (const bad of [
        url,
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.8/hook",
        "http://[::1]:8080/x",
      ]) {
        const res = await postHook({ url: bad, events: ["run.failed"] });
        expect(res.status, bad).toBe(400);
        expect((await res.json()).error.code).toBe("blocked_host");
      }
      const creds = await postHook({ url: "https://user:pw@hooks.example.org/x", events: ["run.failed"] });
      expect((await creds.json()).error.code).toBe("bad_url");
      const ftp = await postHook({ url: "ftp://hooks.example.org/x", events: ["run.failed"] });
      expect((await ftp.json()).error.code).toBe("invalid_body");
      const none = await postHook({ url: "https://hooks.example.org/x", events: [] });
      expect((await none.json()).error.code).toBe("invalid_body");
    } finally {
      process.env.ALLOW_PRIVATE_HOSTS = "true";
      reloadEnv();
    }
  });

  it("a silent endpoint does not hold up the others: deliveries of one drain go out side by side", async () => {
    const admin = await createTestUser(db, "admin");
    actAs(admin);
    const m = await makeManager(db);
    const sync = await makeSync(db, m.id);
    // Takes the request and never answers (until the 10 s timeout of a delivery).
    const silent = http.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    try {
      const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/hooks`;
      const slowHook = await (await postHook({ url: silentUrl, events: ["run.failed"] })).json();
      const okHook = await (await postHook({ url, events: ["run.failed"] })).json();
      secret = okHook.secret;
      const run = await makeRun(db, sync.id, { status: "failed", message: "x" });
      // Due only at a later moment than the real clock: no scheduler of another test file picks them up.
      const due = new Date(Date.now() + 3_600_000);
      const rows = await db
        .insert(webhookDeliveries)
        .values(
          [slowHook.id, okHook.id].map((webhookId) => ({
            webhookId,
            runId: run.id,
            event: "run.failed" as const,
            body: "{}",
            nextAttemptAt: due,
          })),
        )
        .returning();
      const started = Date.now();
      let okAt = 0;
      const drained = drainWebhookDeliveries(db, { ids: rows.map((r) => r.id), now: due });
      while (!okAt && Date.now() - started < 9_000) {
        if (received.length) okAt = Date.now();
        else await new Promise((r) => setTimeout(r, 50));
      }
      expect(okAt - started).toBeLessThan(5_000);
      expect(await drained).toEqual({ delivered: 1, retrying: 1, failed: 0 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(9_000);
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  }, 30_000);
});
