import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSource, testConnection } from "@/lib/sources";
import { spec, useFastTimeouts } from "@/tests/integration/sources/helpers";

// A server that accepts TCP connections and never says a word: every protocol must give up on its own.
let silent: net.Server;
let port: number;
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  useFastTimeouts(1000, 1000);
  silent = net.createServer((s) => {
    sockets.add(s);
    s.on("error", () => {});
  });
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
  port = (silent.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => silent.close(r));
});

describe("connect and answer timeouts", () => {
  it.each(["http", "https", "ftp", "ftpes", "ftps", "sftp"] as const)(
    "%s gives up on a silent server with a timeout error",
    async (kind) => {
      const started = Date.now();
      await expect(
        openSource(spec(kind, `${kind}://127.0.0.1:${port}/file.csv`, { login: "u", password: "p" })),
      ).rejects.toMatchObject({ code: "timeout" });
      expect(Date.now() - started).toBeLessThan(5000);
    },
  );

  it("testConnection turns a timeout into ok:false", async () => {
    const check = await testConnection(spec("sftp", `sftp://127.0.0.1:${port}/x.csv`, { login: "u", password: "p" }));
    expect(check.ok).toBe(false);
    expect(check.message).toMatch(/did not answer|no answer/);
  });

  it("refuses a connection to a closed port quickly", async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
    const p = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await expect(openSource(spec("ftp", `ftp://127.0.0.1:${p}/a.csv`))).rejects.toMatchObject({
      code: "connect_failed",
      message: expect.stringMatching(/refused/),
    });
  });
});
