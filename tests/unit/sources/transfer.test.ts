import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { SourceError } from "@/lib/sources/errors";
import { guardTransfer, withDeadline } from "@/lib/sources/transfer";

const mapError = (e: unknown) =>
  e instanceof SourceError ? e : new SourceError("connect_failed", String((e as Error).message));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function drain(s: Readable): Promise<number> {
  let n = 0;
  for await (const c of s) n += (c as Buffer).length;
  return n;
}

describe("guardTransfer", () => {
  it("passes a complete transfer through", async () => {
    const src = Readable.from([Buffer.alloc(10), Buffer.alloc(5)]);
    await expect(drain(guardTransfer(src, { expectedSize: 15, idleMs: 200, what: "T", mapError }))).resolves.toBe(15);
  });

  it("flags fewer bytes than announced as truncated, and more as a changed file", async () => {
    await expect(
      drain(guardTransfer(Readable.from([Buffer.alloc(10)]), { expectedSize: 15, idleMs: 200, what: "T", mapError })),
    ).rejects.toMatchObject({ code: "truncated" });
    await expect(
      drain(guardTransfer(Readable.from([Buffer.alloc(20)]), { expectedSize: 15, idleMs: 200, what: "T", mapError })),
    ).rejects.toMatchObject({ code: "protocol_error" });
  });

  it("turns a source that closes early without error into truncated", async () => {
    const src = new Readable({ read() {} });
    src.push(Buffer.alloc(4));
    setTimeout(() => src.destroy(), 20);
    await expect(
      drain(guardTransfer(src, { expectedSize: 100, idleMs: 1000, what: "T", mapError })),
    ).rejects.toMatchObject({ code: "truncated" });
  });

  it("times out a source that stops sending", async () => {
    const src = new Readable({ read() {} });
    src.push(Buffer.alloc(4));
    await expect(drain(guardTransfer(src, { idleMs: 150, what: "T", mapError }))).rejects.toMatchObject({
      code: "timeout",
    });
  });

  it("does not count a slow consumer as a stalled server", async () => {
    let produced = 0;
    const src = new Readable({
      read() {
        produced += 64 * 1024;
        this.push(produced > 4 * 1024 * 1024 ? null : Buffer.alloc(64 * 1024));
      },
    });
    const out = guardTransfer(src, { expectedSize: 4 * 1024 * 1024, idleMs: 100, what: "T", mapError });
    await sleep(400); // the consumer takes its time; the source is held back by backpressure meanwhile
    expect(produced).toBeLessThan(1024 * 1024);
    await expect(drain(out)).resolves.toBe(4 * 1024 * 1024);
  });

  it("aborts on the signal and releases the source", async () => {
    const ac = new AbortController();
    const src = new Readable({ read() {} });
    let released = false;
    const out = guardTransfer(src, {
      idleMs: 5000,
      signal: ac.signal,
      what: "T",
      mapError,
      onClose: () => (released = true),
    });
    setTimeout(() => ac.abort(), 20);
    await expect(drain(out)).rejects.toMatchObject({ code: "aborted" });
    expect(src.destroyed).toBe(true);
    expect(released).toBe(true);
  });

  it("refuses the data when the pre-check fails", async () => {
    const out = guardTransfer(Readable.from([Buffer.from("x")]), {
      idleMs: 1000,
      what: "T",
      mapError,
      beforeFirstByte: () => {
        throw new SourceError("tls_untrusted", "data channel not verified");
      },
    });
    await expect(drain(out)).rejects.toMatchObject({ code: "tls_untrusted" });
  });
});

describe("withDeadline", () => {
  it("cancels slow work with a timeout error", async () => {
    let cancelled = false;
    await expect(withDeadline(sleep(1000), 50, "Connecting", () => (cancelled = true))).rejects.toMatchObject({
      code: "timeout",
    });
    expect(cancelled).toBe(true);
  });
  it("returns the result of quick work", async () => {
    await expect(withDeadline(Promise.resolve(7), 1000, "x", () => {})).resolves.toBe(7);
  });
});
