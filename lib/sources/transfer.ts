import { Transform, finished, type Readable } from "node:stream";
import { SourceError } from "@/lib/sources/errors";

export type GuardOptions = {
  /** Bytes the server announced (Content-Length, listed size): fewer means truncated, more means changed. */
  expectedSize?: number;
  /** A transfer with no bytes for this long (while we are ready to take them) is stalled. */
  idleMs: number;
  signal?: AbortSignal;
  /** Names the transfer in messages, e.g. `Downloading "file.csv"`. */
  what: string;
  /** Turns a raw stream error into a SourceError. */
  mapError: (e: unknown) => SourceError;
  /** Called once when the guarded stream closes for any reason: release the connection here. */
  onClose?: () => void;
  /** Called before the first byte is passed on; throw to refuse the data (e.g. an unverified TLS data channel). */
  beforeFirstByte?: () => void;
};

/**
 * Wraps a download: passes bytes through with backpressure (nothing is buffered beyond the stream buffers),
 * and turns stalls, drops, truncation and cancellation into stream errors of type SourceError, so a partial
 * file is never mistaken for a complete one.
 */
export function guardTransfer(source: Readable, o: GuardOptions): Readable {
  let bytes = 0;
  let first = true;
  const out = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (first) {
        first = false;
        try {
          o.beforeFirstByte?.();
        } catch (e) {
          return cb(o.mapError(e));
        }
      }
      bytes += chunk.length;
      if (o.expectedSize !== undefined && bytes > o.expectedSize)
        return cb(
          new SourceError(
            "protocol_error",
            `${o.what}: the server sent more than the ${o.expectedSize} bytes it announced; the file probably changed during the transfer. Try again.`,
          ),
        );
      cb(null, chunk);
    },
    flush(cb) {
      if (o.expectedSize !== undefined && bytes < o.expectedSize)
        return cb(
          new SourceError(
            "truncated",
            `${o.what}: the transfer ended after ${bytes} of ${o.expectedSize} bytes. Nothing from this partial file is imported.`,
            { received: bytes, expected: o.expectedSize },
          ),
        );
      cb();
    },
  });

  // A fault can come before anyone reads (the engine opens its database connection first): without a
  // listener that 'error' event would be an uncaught exception and kill the process. The reader still gets
  // the error: a destroyed stream rethrows it to for-await / pipeline.
  out.on("error", () => {});
  const fail = (err: SourceError) => {
    if (!out.destroyed) out.destroy(err);
  };

  let sourceDone = false;
  finished(source, (err) => {
    // Everything the server sent has arrived: from here on only our own reading takes time (a decompressor
    // after this guard may hold data the guard cannot see), so there is no stall to watch for.
    sourceDone = true;
    if (!err) return;
    const mapped = o.mapError(err);
    // A connection that ends before the announced size is a truncated file, whatever the socket said.
    if (
      (mapped.code === "connect_failed" || mapped.code === "protocol_error") &&
      o.expectedSize !== undefined &&
      bytes < o.expectedSize
    )
      fail(
        new SourceError(
          "truncated",
          `${o.what}: the connection ended after ${bytes} of ${o.expectedSize} bytes. Nothing from this partial file is imported.`,
          { received: bytes, expected: o.expectedSize },
        ),
      );
    else fail(mapped);
  });
  source.pipe(out);

  // Stall detection counts only time spent waiting for the server, not time the consumer keeps us paused.
  const tick = Math.max(10, Math.min(500, Math.floor(o.idleMs / 4)));
  let idle = 0;
  let lastBytes = 0;
  const timer = setInterval(() => {
    if (sourceDone) return;
    const waitingForConsumer = out.writableNeedDrain || out.readableLength >= out.readableHighWaterMark;
    if (waitingForConsumer || bytes !== lastBytes) {
      idle = 0;
      lastBytes = bytes;
      return;
    }
    idle += tick;
    if (idle >= o.idleMs)
      fail(
        new SourceError(
          "timeout",
          `${o.what}: the server stopped sending data for ${Math.round(o.idleMs / 1000)} s (after ${bytes} bytes). Nothing from this partial file is imported.`,
        ),
      );
  }, tick);
  timer.unref();

  const onAbort = () => fail(new SourceError("aborted", `${o.what}: cancelled.`));
  if (o.signal?.aborted) queueMicrotask(onAbort);
  else o.signal?.addEventListener("abort", onAbort, { once: true });

  let closed = false;
  out.once("close", () => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    o.signal?.removeEventListener("abort", onAbort);
    if (!source.destroyed) source.destroy();
    o.onClose?.();
  });
  return out;
}

/** Runs `work` with a deadline and the caller's abort signal; `cancel` tears down whatever is half-open. */
export async function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  what: string,
  cancel: () => void,
  signal?: AbortSignal,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      cancel();
      reject(
        new SourceError(
          "timeout",
          `${what}: no answer within ${Math.round(ms / 1000)} s. Check the host, the port and any firewall.`,
        ),
      );
    }, ms);
    onAbort = () => {
      cancel();
      reject(new SourceError("aborted", `${what}: cancelled.`));
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
  });
  stop.catch(() => {});
  try {
    return await Promise.race([work, stop]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
}
