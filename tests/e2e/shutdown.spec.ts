import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { encodeSession, sessionCookieName } from "@/lib/auth/session";
import { SERVER_STOPPED_MESSAGE } from "@/lib/shutdown";
import { freePort, run, start, waitForUrl } from "@/tests/e2e/app-process";
import { credentials, uniqueName, withSql } from "@/tests/e2e/fixtures";

/** The first request gets a small CSV at once (the CLI's set-up run); later ones trickle rows and never end. */
async function trickleServer(): Promise<{ url: string; close: () => void; rowsSent: () => number }> {
  let requests = 0;
  let rows = 0;
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    requests++;
    res.writeHead(200, { "content-type": "text/csv" });
    if (requests === 1 || req.method === "HEAD") return res.end("Email,First Name\nfirst@example.test,First\n");
    res.write("Email,First Name\n");
    const timer = setInterval(() => {
      rows++;
      res.write(`slow-${rows}@example.test,Row ${rows}\n`);
    }, 50);
    timers.add(timer);
    res.on("close", () => clearInterval(timer));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/feed.csv`,
    rowsSent: () => rows,
    close: () => {
      for (const t of timers) clearInterval(t);
      server.closeAllConnections();
      server.close();
    },
  };
}

// SIGTERM to a real `next start` while a run is in flight: the run gets SHUTDOWN_GRACE_SECONDS, is then marked
// failed with "the server was stopped", and the process exits soon after (not two minutes later as stale).
test("SIGTERM during a run: the run is marked failed after the grace time and the server exits", async () => {
  test.setTimeout(240_000);
  const grace = 4;
  const feed = await trickleServer();
  const port = await freePort();
  const env = {
    ...process.env,
    SHUTDOWN_GRACE_SECONDS: String(grace),
    SCHEDULER_INTERVAL_SECONDS: "1",
    ALLOW_PRIVATE_HOSTS: "true",
    APP_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: "info",
  };
  try {
    const manager = await run(
      "node",
      ["scripts/cli.mjs", "manager", "create", "--name", uniqueName("stop"), "--json"],
      env,
    );
    expect(manager.code, manager.output).toBe(0);
    const managerId = JSON.parse(manager.output.slice(manager.output.indexOf("{"))).id as string;
    const setup = await run(
      "node",
      [
        "scripts/cli.mjs",
        "import",
        "--manager",
        managerId,
        "--url",
        feed.url,
        "--key",
        "Email",
        "--allow-private-hosts",
        "--always",
        "--json",
      ],
      env,
    );
    expect(setup.code, setup.output).toBe(0);
    const syncId = await withSql(async (sql) => {
      const [row] = await sql`select id from syncs where manager_id = ${managerId}`;
      return row.id as string;
    });

    const app = start("next", ["start", "-p", String(port), "-H", "127.0.0.1"], env);
    await waitForUrl(`http://127.0.0.1:${port}/api/health`, app);
    const admin = await withSql(async (sql) => {
      const [u] = await sql`select id, email, password_hash from users where email = ${credentials("admin").email}`;
      return { id: u.id as string, email: u.email as string, passwordHash: u.password_hash as string };
    });
    const cookie = `${sessionCookieName()}=${await encodeSession(admin)}`;
    const go = await fetch(`http://127.0.0.1:${port}/api/syncs/${syncId}/run`, { method: "POST", headers: { cookie } });
    expect(go.status, await go.clone().text()).toBe(202);
    const { runId } = (await go.json()) as { runId: string };
    await expect
      .poll(async () => withSql(async (sql) => (await sql`select status from runs where id = ${runId}`)[0].status), {
        timeout: 30_000,
      })
      .toBe("running");
    await expect.poll(() => feed.rowsSent(), { timeout: 10_000 }).toBeGreaterThan(20);

    const signalled = Date.now();
    app.child.kill("SIGTERM");
    const exitCode = await app.exited;
    const exitedAfter = (Date.now() - signalled) / 1000;
    const row = await withSql(
      async (sql) =>
        (
          await sql`select status, message, finished_at, extract(epoch from finished_at) * 1000 as finished_ms from runs where id = ${runId}`
        )[0],
    );
    const markedAfter = (Number(row.finished_ms) - signalled) / 1000;
    console.log(
      `SIGTERM timings: grace ${grace} s; run marked failed ${markedAfter.toFixed(2)} s after the signal; process exited ${exitedAfter.toFixed(2)} s after it (code ${exitCode})`,
    );
    expect(row.status).toBe("failed");
    expect(row.message).toBe(SERVER_STOPPED_MESSAGE);
    expect(markedAfter).toBeGreaterThanOrEqual(grace - 0.5);
    expect(markedAfter).toBeLessThan(grace + 5);
    expect(exitedAfter).toBeLessThan(grace + 10);
    expect(app.output()).toContain("shutting down");
  } finally {
    feed.close();
  }
});
