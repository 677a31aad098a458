import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { placeServer, type Placement } from "@/lib/dev-db/placement";
import { withStartLock } from "@/lib/dev-db/start-lock";

/**
 * The embedded Postgres as one local server shared by every process of a clone: `npm start`, CLI commands,
 * benches and test runs find it through its data folder (the port in postmaster.pid) and reuse it. The first
 * one that finds none starts it detached with the bundled pg_ctl, under a start lock; nobody that merely used it
 * stops it. `npm run db:stop` does.
 */
const USER = "postgres";
const PASSWORD = "contact-sync-embedded";

export type SharedServer = { url: string; port: number; dataDir: string; startedNow: boolean; notice?: string };

export function embeddedUrl(port: number, database: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/** EMBEDDED_PG_PORT, checked here: the launcher runs before lib/env.ts validates the rest. */
export function embeddedPort(): number {
  const raw = process.env.EMBEDDED_PG_PORT ?? "54329";
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1024 || port > 65535)
    throw new Error(`EMBEDDED_PG_PORT must be a port number from 1024 to 65535 (it is "${raw}").`);
  return port;
}

function configuredDataDir(): string {
  return path.resolve(process.env.EMBEDDED_PG_DIR ?? ".data/postgres");
}

/** The port of the server running on this data folder, if one answers there. */
async function runningPort(dataDir: string): Promise<number | undefined> {
  let pidFile: string;
  try {
    pidFile = fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8");
  } catch {
    return undefined;
  }
  const port = Number(pidFile.split("\n")[3]);
  if (!port) return undefined;
  const probe = postgres(embeddedUrl(port, "postgres"), { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    const [row] = await probe<{ dir: string }[]>`select current_setting('data_directory') as dir`;
    return fs.realpathSync(row.dir) === fs.realpathSync(dataDir) ? port : undefined;
  } catch {
    return undefined;
  } finally {
    await probe.end({ timeout: 1 }).catch(() => {});
  }
}

function pgTool(place: Placement, tool: string, args: string[]): { ok: boolean; output: string } {
  const r = spawnSync(path.join(place.binDir, tool), args, {
    encoding: "utf8",
    ...(place.runAs ?? {}),
    // cwd: the tools refuse to start from a folder their user cannot read (a clone under /root).
    cwd: place.runAs ? "/" : undefined,
    env: { ...process.env, LC_MESSAGES: "C" },
    timeout: 120_000,
  });
  return { ok: r.status === 0, output: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? r.error.message : ""}`.trim() };
}

function initialise(place: Placement): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "contact-sync-pg-"));
  const pwfile = path.join(dir, "pw");
  try {
    fs.writeFileSync(pwfile, `${PASSWORD}\n`);
    if (place.runAs) {
      fs.chownSync(dir, place.runAs.uid, place.runAs.gid);
      fs.chownSync(pwfile, place.runAs.uid, place.runAs.gid);
    }
    const r = pgTool(place, "initdb", [
      `--pgdata=${place.dataDir}`,
      `--username=${USER}`,
      `--pwfile=${pwfile}`,
      "--auth=scram-sha-256",
      "--encoding=UTF8",
      // Postgres' own Unicode case mapping (as a server in a UTF-8 locale has): lower() must fold non-ASCII
      // letters ("İ", "Ä") the same on every machine, or case-insensitive email look-ups miss. C sorting.
      "--locale=C",
      "--locale-provider=builtin",
      "--builtin-locale=C.UTF-8",
    ]);
    if (!r.ok) throw new Error(`initdb failed for ${place.dataDir}:\n${r.output}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function logTail(place: Placement): string {
  try {
    return fs.readFileSync(path.join(place.dataDir, "server.log"), "utf8").split("\n").slice(-12).join("\n");
  } catch {
    return "";
  }
}

function start(place: Placement, port: number): void {
  if (!fs.existsSync(path.join(place.dataDir, "PG_VERSION"))) initialise(place);
  // pg_ctl detaches the server (its own session, output to server.log): it outlives the process that started it.
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c max_connections=200 -c unix_socket_directories=''`;
  const r = pgTool(place, "pg_ctl", [
    "start",
    "-D",
    place.dataDir,
    "-l",
    path.join(place.dataDir, "server.log"),
    "-o",
    options,
    "-w",
    "-t",
    "60",
  ]);
  if (!r.ok)
    throw new Error(
      `Could not start the embedded Postgres in ${place.dataDir} on port ${port} (is the port in use? set EMBEDDED_PG_PORT):\n${r.output}\n${logTail(place)}`,
    );
}

/** Find the shared server of this clone, or start it. */
export async function ensureSharedServer(): Promise<SharedServer> {
  const place = await placeServer(configuredDataDir());
  const found = (port: number, startedNow: boolean): SharedServer => ({
    url: embeddedUrl(port, "postgres"),
    port,
    dataDir: place.dataDir,
    startedNow,
    notice: place.notice,
  });
  const running = await runningPort(place.dataDir);
  if (running) return found(running, false);
  return withStartLock(`${place.dataDir}.start-lock`, async () => {
    const meanwhile = await runningPort(place.dataDir);
    if (meanwhile) return found(meanwhile, false);
    const port = embeddedPort();
    start(place, port);
    return found(port, true);
  });
}

/** Stop the shared server (`npm run db:stop`): fast shutdown, open sessions are ended. */
export async function stopSharedServer(): Promise<{ stopped: boolean; dataDir: string; notice?: string }> {
  const place = await placeServer(configuredDataDir());
  const result = { dataDir: place.dataDir, notice: place.notice };
  if (!fs.existsSync(path.join(place.dataDir, "postmaster.pid"))) return { stopped: false, ...result };
  const r = pgTool(place, "pg_ctl", ["stop", "-D", place.dataDir, "-m", "fast", "-w", "-t", "60"]);
  if (!r.ok && /Is server running\?|No such process/.test(r.output)) return { stopped: false, ...result };
  if (!r.ok) throw new Error(`Could not stop the embedded Postgres in ${place.dataDir}:\n${r.output}`);
  return { stopped: true, ...result };
}
