import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { reloadEnv } from "@/lib/env";
import type { OpenResult, SourceSpec } from "@/lib/sources/types";

/**
 * Short timeouts so stall tests finish quickly, and ALLOW_PRIVATE_HOSTS off whatever the caller's environment
 * says (specs opt in with allowPrivateHosts, so the guard tests stay meaningful). Call in beforeAll.
 */
export function useFastTimeouts(idleMs = 1500, connectMs = 5000) {
  process.env.ALLOW_PRIVATE_HOSTS = "false";
  process.env.SOURCE_IDLE_TIMEOUT_MS = String(idleMs);
  process.env.SOURCE_CONNECT_TIMEOUT_MS = String(connectMs);
  reloadEnv();
}

export function tempRoot(files: Record<string, string | Buffer> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cs-src-"));
  for (const [name, data] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), data);
  }
  return dir;
}

/** Sets a file's modification time (seconds since epoch). */
export function touch(root: string, name: string, epochSeconds: number) {
  fs.utimesSync(path.join(root, name), epochSeconds, epochSeconds);
}

export function spec(kind: SourceSpec["kind"], location: string, extra: Partial<SourceSpec> = {}): SourceSpec {
  return { kind, location, folderMode: "newest", allowPrivateHosts: true, ...extra };
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Opens, reads everything, closes; fails the test when the source says "unchanged". */
export async function download(
  result: Promise<OpenResult>,
): Promise<{ bytes: Buffer; opened: Extract<OpenResult, { unchanged: false }>["source"] }> {
  const r = await result;
  if (r.unchanged) throw new Error("expected a download, got unchanged");
  try {
    return { bytes: await readAll(r.source.stream), opened: r.source };
  } finally {
    await r.source.close();
  }
}

export const CSV =
  'Email,First Name,Last Name\nann@example.com,Ann,Lee\nbob@example.com,Bob,"Smith, Jr."\nzoë@example.com,Zoë,"Line\nbreak"\n';
