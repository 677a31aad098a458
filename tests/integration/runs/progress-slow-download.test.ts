import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as syncStatus } from "@/app/api/syncs/[id]/status/route";
import { reloadEnv } from "@/lib/env";
import { runSync } from "@/lib/sync/run";
import { actAs, createTestUser } from "@/tests/integration/auth/helpers";
import { makeManager, makeSync } from "@/tests/integration/runs/fixtures";
import { useDb } from "@/tests/support/db";

const { db } = useDb();
let server: http.Server;
let url = "";
let finish: () => void = () => {};

beforeAll(async () => {
  process.env.ALLOW_PRIVATE_HOSTS = "true";
  reloadEnv();
  // 40 rows a second: the first 512 rows (the engine's first batch) take 13 s to arrive.
  server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/csv" });
    res.write("Email,First Name\n");
    let n = 0;
    const timer = setInterval(() => {
      for (let i = 0; i < 4; i++) res.write(`slow${n++}@example.test,Row ${n}\n`);
    }, 100);
    finish = () => {
      clearInterval(timer);
      res.end();
    };
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow.csv`;
});
afterAll(() => {
  finish();
  server.closeAllConnections();
  server.close();
});

describe("progress of a slow download", () => {
  it("moves at least every second of wall time while bytes arrive, before the first batch of rows is full (bytes each second, rows soon after)", async () => {
    actAs(await createTestUser(db, "viewer"));
    const manager = await makeManager(db);
    const email = manager.fields.find((f) => f.role === "email")!.id;
    const sync = await makeSync(db, manager.id, {
      sourceKind: "http",
      location: url,
      mapping: { keyColumn: "Email", autoKey: false, columns: [{ column: "Email", fieldId: email }] },
    });
    const running = runSync({ syncId: sync.id, trigger: "manual" });
    const samples: { rows: number; bytes: number }[] = [];
    try {
      const deadline = Date.now() + 20_000;
      // Wait for the run to start and its first progress, then sample once a second for five seconds.
      while (Date.now() < deadline) {
        const s = await status(sync.id);
        if (s.bytes > 0) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      for (let i = 0; i < 5; i++) {
        samples.push(await status(sync.id));
        await new Promise((r) => setTimeout(r, 1100));
      }
    } finally {
      finish();
    }
    expect((await running).status).toBe("succeeded");
    expect(samples[0].bytes).toBeGreaterThan(0);
    for (let i = 1; i < samples.length; i++) {
      expect(samples[i].bytes, JSON.stringify(samples)).toBeGreaterThan(samples[i - 1].bytes);
      // Rows are counted as whole pieces of records are parsed (a few KiB): they follow, never go back.
      expect(samples[i].rows, JSON.stringify(samples)).toBeGreaterThanOrEqual(samples[i - 1].rows);
    }
    expect(samples.at(-1)!.rows).toBeGreaterThan(0);
    expect(samples.at(-1)!.rows).toBeLessThan(512);
  }, 60_000);
});

async function status(syncId: string): Promise<{ rows: number; bytes: number }> {
  const res = await syncStatus(new Request(`http://127.0.0.1/api/syncs/${syncId}/status`), {
    params: Promise.resolve({ id: syncId }),
  });
  const body = (await res.json()) as { run: { progress: { rowsRead: number; bytesRead: number } } | null };
  return { rows: body.run?.progress.rowsRead ?? 0, bytes: body.run?.progress.bytesRead ?? 0 };
}
