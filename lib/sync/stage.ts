import type { Writable } from "node:stream";
import type postgres from "postgres";
import { AppError } from "@/lib/errors";
import type { StagedRow } from "./validate";

type Tx = postgres.Sql;

const COPY_ESCAPES = /[\\\n\r\t]/;
const COPY_ESCAPES_G = /[\\\n\r\t]/g;
const ESC: Record<string, string> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** One value in COPY text format. Values never hold NUL (the validator refuses it). */
export function copyValue(v: string | null): string {
  if (v === null) return "\\N";
  return COPY_ESCAPES.test(v) ? v.replace(COPY_ESCAPES_G, (c) => ESC[c]) : v;
}

// A JSON string needs escaping only for these; lone surrogates go through JSON.stringify as before.
const JSON_UNSAFE = /["\\\u0000-\u001f\ud800-\udfff]/;
const BACKSLASH_G = /\\/g;

/** A string as a JSON string literal in COPY text form (JSON output has no raw tab/newline: only backslashes need doubling). */
function copyJsonString(v: string): string {
  return JSON_UNSAFE.test(v) ? JSON.stringify(v).replace(BACKSLASH_G, "\\\\") : '"' + v + '"';
}

/** `data` as a JSON object in COPY text form, without JSON.stringify of the whole object and a second escaping pass. */
export function copyData(data: Record<string, string>): string {
  let out = "{";
  for (const k in data) {
    if (out.length > 1) out += ",";
    out += copyJsonString(k) + ":" + copyJsonString(data[k]);
  }
  return out + "}";
}

/** The staged row as one COPY text line (line, key, key_norm, data, pw, pw_mac, valid). */
export function copyLine(r: StagedRow): string {
  return (
    r.line +
    "\t" +
    copyValue(r.key) +
    "\t" +
    copyValue(r.keyNorm) +
    "\t" +
    copyData(r.data) +
    "\t" +
    copyValue(r.password) +
    "\t" +
    copyValue(r.passwordMac) +
    "\t" +
    (r.valid ? "t" : "f") +
    "\n"
  );
}

/**
 * The per-run staging table; it lives in the run's transaction only. The run's connection is its own
 * (transaction.ts), so its memory settings are raised first, for this transaction only:
 * - temp_buffers: the stage (and plan) of a big file stays in memory instead of spilling to temp files;
 *   it must be set before the session's first use of a temp table, which is right here;
 * - work_mem: the hash joins and the duplicate grouping over a million rows run in one batch;
 * - jit off: compiling the few big statements costs more than it saves on a busy machine.
 */
export async function createStage(tx: Tx): Promise<void> {
  await tx`set local temp_buffers = '256MB'`;
  await tx`set local work_mem = '128MB'`;
  await tx`set local jit = off`;
  await tx`create temp table stage (
    line integer not null,
    key text,
    key_norm text,
    data jsonb not null,
    pw text,
    pw_mac text,
    valid boolean not null,
    dup_of integer
  ) on commit drop`;
}

function waitFor(stream: Writable, event: "drain" | "finish", timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new AppError("staging_timeout", `The database did not accept the rows in time (${what}).`, 500));
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
    };
    // The COPY writable may be closed by a lost connection without "error": treat that as a failure.
    const onClose = () => {
      cleanup();
      if (event === "finish" && stream.writableFinished) resolve();
      else reject(new AppError("staging_failed", "The database connection was lost while staging rows.", 500));
    };
    stream.on(event, onDone);
    stream.on("error", onError);
    stream.on("close", onClose);
  });
}

/**
 * COPY staged rows into the stage table, in ~256 KiB writes, honouring back-pressure. Rows are serialised
 * here (never by the driver) and every wait is bounded: a COPY that the server rejects never settles in
 * postgres.js (porsager/postgres#1173), so a timeout turns that into an error instead of a hang.
 */
export async function copyIntoStage(tx: Tx, rows: AsyncIterable<StagedRow>, opts: { stallTimeoutMs?: number } = {}): Promise<number> {
  const timeout = opts.stallTimeoutMs ?? 120_000;
  const stream = (await tx`copy stage (line, key, key_norm, data, pw, pw_mac, valid) from stdin`.writable()) as unknown as Writable;
  let streamError: Error | null = null;
  stream.on("error", (e) => (streamError = e));
  let count = 0;
  let buffer = "";
  try {
    for await (const row of rows) {
      buffer += copyLine(row);
      count++;
      if (buffer.length >= 256 * 1024) {
        if (streamError) throw streamError;
        const ok = stream.write(buffer);
        buffer = "";
        if (!ok) await waitFor(stream, "drain", timeout, "back-pressure");
      }
    }
    if (streamError) throw streamError;
    if (buffer) stream.write(buffer);
    const finished = waitFor(stream, "finish", timeout, "end of copy");
    stream.end();
    await finished;
    return count;
  } catch (e) {
    // Abort the COPY so the server rolls it back (the transaction fails with it).
    if (!stream.destroyed) stream.destroy(e instanceof Error ? e : new Error(String(e)));
    throw e;
  }
}
