import type { Writable } from "node:stream";
import type postgres from "postgres";
import { getSql } from "@/db/client";
import { AppError } from "@/lib/errors";

type Tx = postgres.Sql;

/**
 * The per-run staging table; it lives in the run's transaction only. The run's connection is its own
 * (transaction.ts), so its memory settings are raised first, for this transaction only:
 * - temp_buffers: the stage (and plan) of a big file stays in memory instead of spilling to temp files;
 *   it must be set before the session's first use of a temp table, which is right here;
 * - work_mem: the hash joins and the duplicate grouping over a million rows run in one batch;
 * - jit off: compiling the few big statements costs more than it saves on a busy machine.
 * A re-sync leaves unchanged rows out (`unchanged` marks one staged after all, as a duplicate's first row).
 * `row_hash` comes with each row (row-hash.ts); a row staged as `unchanged` has none.
 */
export async function createStage(tx: Tx): Promise<void> {
  await tx`set local temp_buffers = '256MB'`;
  await tx`set local work_mem = '128MB'`;
  await tx`set local jit = off`;
  await tx`create temp table stage (
    line integer not null,
    key text,
    key_norm text,
    vals text[] not null,
    pw text,
    pw_mac text,
    valid boolean not null,
    maybe_dup boolean not null,
    del boolean not null,
    unchanged boolean not null,
    dup_of integer,
    row_hash text
  ) on commit drop`;
  // The keys of live contacts the file does not name (known-contacts.ts): what "delete missing" deletes.
  await tx`create temp table missing (key_norm text not null) on commit drop`;
}

function waitFor(
  stream: Writable,
  event: "drain" | "finish",
  timeoutMs: number,
  what: string,
  failure: () => Error | null,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    // Already over (the server may have refused the data while it was being written): no event will come.
    if (stream.destroyed || stream.closed) {
      if (event === "finish" && stream.writableFinished) resolve();
      else reject(failure() ?? new AppError("staging_failed", "The database connection was lost while staging rows."));
      return;
    }
    const timer = setTimeout(() => {
      cleanup();
      reject(new AppError("staging_timeout", `The database did not accept the rows in time (${what}).`));
    }, timeoutMs);
    const onDone = () => {
      cleanup();
      resolve();
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const cleanup = () => {
      clearTimeout(timer);
      stream.off(event, onDone);
      stream.off("error", onError);
      stream.off("close", onClose);
      signal?.removeEventListener("abort", onAbort);
    };
    // The COPY writable may be closed by a lost connection without "error": treat that as a failure.
    const onClose = () => {
      cleanup();
      if (event === "finish" && stream.writableFinished) resolve();
      else reject(failure() ?? new AppError("staging_failed", "The database connection was lost while staging rows."));
    };
    // Given up by the caller: settle quietly and drop the timer and listeners.
    const onAbort = () => {
      cleanup();
      resolve();
    };
    stream.on(event, onDone);
    stream.on("error", onError);
    stream.on("close", onClose);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** COPY data queued for the socket before the producer waits (bounds memory; keeps both sides busy). */
const IN_FLIGHT = 1024 * 1024;

/** Resolves true once the backend `pid` sits in an aborted transaction; false when `signal` fires first. */
async function watchForAbort(pid: number, signal: AbortSignal): Promise<boolean> {
  while (!signal.aborted) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (signal.aborted) break;
    const [row] = await getSql()<{ state: string | null }[]>`select state from pg_stat_activity where pid = ${pid}`;
    if (row?.state === "idle in transaction (aborted)") return true;
  }
  return false;
}

/**
 * COPY text (whole lines, in pieces of ~256 KiB, UTF-8 buffers or strings) into `table (columns)`, honouring back-pressure. Rows are
 * serialised by the caller (never by the driver) and every wait is bounded: a COPY that the server rejects
 * may never settle in postgres.js (porsager/postgres#1173), so a timeout turns that into an error instead of
 * a hang. An error the server reports (e.g. a unique violation) is thrown as is.
 */
export async function copyText(
  tx: Tx,
  target: string,
  pieces: AsyncIterable<Buffer | string>,
  opts: { backendPid: number; stallTimeoutMs?: number },
): Promise<void> {
  const timeout = opts.stallTimeoutMs ?? 120_000;
  const stream = (await tx.unsafe(`copy ${target} from stdin`).writable()) as unknown as Writable;
  let streamError: Error | null = null;
  stream.on("error", (e) => (streamError = e));
  try {
    for await (const piece of pieces) {
      if (streamError) throw streamError;
      // The driver's stream asks to wait after 16 KiB; waiting then would leave Node idle while Postgres
      // works through the piece, and the other way round. Up to IN_FLIGHT bytes stay queued instead.
      stream.write(piece);
      if (stream.writableLength > IN_FLIGHT)
        await waitFor(stream, "drain", timeout, "back-pressure", () => streamError);
    }
    if (streamError) throw streamError;
    const stop = new AbortController();
    const finished = waitFor(stream, "finish", timeout, "end of copy", () => streamError, stop.signal);
    stream.end();
    // An error the server reports after the end of the data is dropped by postgres.js (porsager/postgres#1173):
    // "finish" never comes, and no other statement may be sent on this connection meanwhile. So its backend
    // is watched from the pool: a transaction that went "aborted" means the server refused the rows.
    const refused = await Promise.race([finished.then(() => false), watchForAbort(opts.backendPid, stop.signal)]);
    stop.abort();
    if (refused) throw new AppError("copy_refused", "The database refused the rows of this file.");
  } catch (e) {
    // Abort the COPY so the server rolls it back (the transaction fails with it).
    if (!stream.destroyed) stream.destroy(e instanceof Error ? e : new Error(String(e)));
    throw streamError ?? e;
  }
}
