/**
 * Page/API load bench (issue 7): `npm run bench:pages -- [--contacts N] [--syncs N] [--runs-per-sync N]
 * [--duration S] [--warmup S] [--syncs-limit N] [--reuse] [--build]`. Seeds a manager with N contacts and S syncs with R runs each (set-based SQL),
 * mints an admin session, starts `next start` on 127.0.0.1 (BENCH_PORT or 3400; builds first when .next is
 * missing or with --build, as a stale build may lack pages), then loads each target with autocannon (20 connections) and prints one JSON line per target:
 * {target, requests, p50_ms, p95_ms, p97_5_ms, p99_ms, non2xx, errors, rps, kb_per_response, server_cpu_ms_per_req}.
 * p95 is computed exactly from every response time autocannon reports; p50/p97.5/p99 come from its histogram.
 * server_cpu_ms_per_req is the Next server process's CPU time (user + system, from /proc) over the load divided by
 * the requests: on a shared, busy machine it varies much less than the latencies, so compare it between runs.
 * Each target first gets --warmup seconds (default 3) of the same load, not measured: JIT, first reads of freshly
 * seeded pages (hint bits) and the first requests' module loading would otherwise count as steady-state latency.
 * Two targets search "email or name contains" at one client (common and rare text): the search has no index.
 * --syncs-limit N adds a target for one page of N syncs (/api/syncs?limit=N; the plain target gets the default page).
 * The last two targets are the framework's floor here, signed out: /signin (a page that reads nothing) and
 * /api/health (a route handler with one trivial query). No App Router page can be cheaper than the first.
 * --only TEXT loads only the targets whose name contains TEXT (e.g. for a CPU profile of one of them).
 * Progress goes to stderr, results to stdout. Loopback only; the server is stopped at the end.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { closeDb, getDb, getSql } from "@/db/client";
import { hashPassword } from "@/lib/auth/passwords";
import { encodeSession, sessionCookieName } from "@/lib/auth/session";
import { createManager } from "@/lib/managers/queries";

const { values } = parseArgs({
  options: {
    contacts: { type: "string" },
    syncs: { type: "string" },
    "runs-per-sync": { type: "string" },
    duration: { type: "string" },
    reuse: { type: "boolean" },
    build: { type: "boolean" },
    "syncs-limit": { type: "string" },
    warmup: { type: "string" },
    only: { type: "string" },
  },
});
function count(name: string, raw: string | undefined, dflt: number, min: number): number {
  const n = raw === undefined ? dflt : Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min} (got ${raw}).`);
  return n;
}
const CONTACTS = count("contacts", values.contacts, 1_000_000, 1);
const SYNCS = count("syncs", values.syncs, 1_000, 1);
const RUNS = count("runs-per-sync", values["runs-per-sync"], 100, 1);
const DURATION = count("duration", values.duration, 10, 1);
const WARMUP = count("warmup", values.warmup, 3, 0);
const SYNCS_LIMIT = values["syncs-limit"] === undefined ? null : count("syncs-limit", values["syncs-limit"], 0, 1);
const PORT = count("BENCH_PORT", process.env.BENCH_PORT, 3400, 1);
const CONNECTIONS = 20;
const ROOT = process.cwd();
const log = (msg: string) => process.stderr.write(`[bench:pages] ${msg}\n`);

const WIDTH = String(CONTACTS).length;
const keyOf = (i: number) => `user${String(i).padStart(WIDTH, "0")}@example.com`;

/** The contacts manager: reused (--reuse) when one of this size is already complete, else seeded anew. */
async function seedContacts(): Promise<string> {
  const sql = getSql();
  const name = `bench-pages-contacts-${CONTACTS}`;
  if (values.reuse) {
    const found = await sql<{ id: string; n: number }[]>`
      select m.id, (select count(*)::int from contacts c where c.manager_id = m.id and c.deleted_at is null) as n
      from managers m where m.name = ${name} order by m.created_at desc limit 1`;
    if (found[0]?.n === CONTACTS) {
      log(`reusing manager ${found[0].id} with ${CONTACTS} contacts`);
      return found[0].id;
    }
  }
  const manager = await createManager(getDb(), { name });
  const role = (r: string) => manager.fields.find((f) => f.role === r)!.id;
  const started = performance.now();
  const CHUNK = 250_000;
  for (let from = 1; from <= CONTACTS; from += CHUNK) {
    const to = Math.min(from + CHUNK - 1, CONTACTS);
    await sql`
      insert into contacts (manager_id, key, key_norm, data, row_hash, search)
      select ${manager.id}, k, k, d, md5(d::text || '|'),
        contact_search_text(d, ${role("email")}::text, ${role("first_name")}::text, ${role("last_name")}::text)
      from (
        select k, jsonb_build_object(${role("email")}::text, k, ${role("first_name")}::text, 'First' || i,
          ${role("last_name")}::text, 'Last' || (i::bigint * 7919 % 100000), ${role("language")}::text, (array['en','fr','de','es'])[1 + i % 4]) as d
        from (select i, 'user' || lpad(i::text, ${WIDTH}, '0') || '@example.com' as k from generate_series(${from}::int, ${to}::int) i) g
      ) s`;
    log(`contacts ${to}/${CONTACTS}`);
  }
  await sql`update managers set contact_count = ${CONTACTS} where id = ${manager.id}`;
  await sql`analyze contacts`;
  log(`seeded ${CONTACTS} contacts in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return manager.id;
}

/** SYNCS finished syncs (no schedule, so the app's scheduler leaves them alone) with RUNS runs each. */
async function seedSyncs(): Promise<void> {
  const sql = getSql();
  const name = `bench-pages-syncs-${SYNCS}x${RUNS}`;
  if (values.reuse) {
    const [row] = await sql<{ syncs: number; runs: number }[]>`
      select count(distinct s.id)::int as syncs, count(r.id)::int as runs
      from managers m join syncs s on s.manager_id = m.id left join runs r on r.sync_id = s.id where m.name = ${name}`;
    if (row.syncs === SYNCS && row.runs === SYNCS * RUNS) {
      log(`reusing ${SYNCS} syncs with ${RUNS} runs each`);
      return;
    }
  }
  const started = performance.now();
  const manager = await createManager(getDb(), { name });
  await sql`
    insert into syncs (manager_id, name, state, source_kind, location, mapping, updated_at)
    select ${manager.id}, 'bench sync ' || i, 'active', 'https', 'https://files.example.com/contacts-' || i || '.csv',
      '{"columns":[],"keyColumn":"Email","autoKey":false}'::jsonb, now() - (i || ' minutes')::interval
    from generate_series(1, ${SYNCS}::int) i`;
  await sql`
    insert into runs (sync_id, trigger, status, source_name, created, updated, deleted, unchanged, error_count,
      rows_read, bytes_read, bytes_total, queued_at, started_at, finished_at, message)
    select s.id, 'schedule', case when r % 10 = 0 then 'completed_with_errors' when r % 17 = 0 then 'failed' else 'succeeded' end,
      'contacts.csv', r % 50, r % 20, r % 5, 1000, case when r % 10 = 0 then 3 else 0 end, 1025, 65536, 65536,
      t, t + interval '1 second', t + interval '30 seconds', case when r % 17 = 0 then 'Connection refused' end
    from syncs s cross join generate_series(1, ${RUNS}::int) r
    cross join lateral (select now() - ((${RUNS}::int - r) || ' hours')::interval as t) q
    where s.manager_id = ${manager.id}`;
  await sql`analyze syncs`;
  await sql`analyze runs`;
  log(`seeded ${SYNCS} syncs, ${SYNCS * RUNS} runs in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

async function adminCookie(): Promise<string> {
  const email = `bench-admin-${randomBytes(4).toString("hex")}@example.test`;
  const passwordHash = await hashPassword(randomBytes(16).toString("hex"), { memory: 256, passes: 2, parallelism: 1 });
  const [user] = await getSql()<{ id: string }[]>`
    insert into users (email, name, role, password_hash) values (${email}, 'Bench admin', 'admin', ${passwordHash}) returning id`;
  return `${sessionCookieName()}=${await encodeSession({ id: user.id, email, passwordHash })}`;
}

const nextBin = path.join(ROOT, "node_modules", ".bin", "next");

function runToEnd(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", process.stderr, process.stderr], env: process.env });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(" ")} exited with ${code}`)),
    );
  });
}

async function startServer(): Promise<ChildProcess> {
  if (values.build || !fs.existsSync(path.join(ROOT, ".next", "BUILD_ID"))) {
    log(`${values.build ? "--build" : "no .next build found"}: running \`next build\` first (takes a few minutes)`);
    await runToEnd(nextBin, ["build"]);
  }
  // The app logs every request; keep that out of the bench's output (and its timing noise) in a file.
  const logFile = path.join(os.tmpdir(), `bench-pages-server-${process.pid}.log`);
  const out = fs.openSync(logFile, "w");
  log(`starting next start on 127.0.0.1:${PORT} (server log: ${logFile})`);
  // BENCH_CPU_PROF=<dir>: the server writes a CPU profile (Chrome DevTools format) into <dir> when it stops.
  const profile = process.env.BENCH_CPU_PROF ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_CPU_PROF] : [];
  const server = spawn(process.execPath, [...profile, nextBin, "start", "-H", "127.0.0.1", "-p", String(PORT)], {
    cwd: ROOT,
    stdio: ["ignore", out, out],
    env: { ...process.env, PORT: String(PORT), NODE_ENV: "production" },
  });
  let exited: number | null | undefined;
  server.on("exit", (code) => (exited = code));
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (exited !== undefined)
      throw new Error(`next start exited with ${exited} (is port ${PORT} free? set BENCH_PORT)`);
    try {
      const res = await fetch(`http://127.0.0.1:${PORT}/api/health`);
      if (res.ok) return server;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  server.kill("SIGTERM");
  throw new Error("the app did not answer /api/health within 90 s");
}

const headersWith = (cookie: string): Record<string, string> => (cookie ? { cookie } : {});

/** One request first, so a broken target fails loudly instead of being timed. */
async function check(url: string, cookie: string, expect: string): Promise<void> {
  const res = await fetch(url, { headers: headersWith(cookie), redirect: "manual" });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${body.slice(0, 300)}`);
  if (!body.includes(expect)) throw new Error(`${url} answered 200 without "${expect}"`);
}

function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** CPU seconds (user + system) the process has used so far, from /proc (Linux); null elsewhere. */
function cpuSeconds(pid: number | undefined): number | null {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

/** The process that serves: `next start` itself (it renames itself "next-server"), or a child of it that does. */
function serverPid(server: ChildProcess): number | undefined {
  const isServer = (pid: number) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("next-server");
    } catch {
      return false;
    }
  };
  if (!server.pid || isServer(server.pid)) return server.pid;
  try {
    const children = fs
      .readFileSync(`/proc/${server.pid}/task/${server.pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
    return children.find(isServer) ?? server.pid;
  } catch {
    return server.pid;
  }
}

async function load(
  target: string,
  url: string,
  cookie: string,
  pid: number | undefined,
  connections = CONNECTIONS,
): Promise<void> {
  if (WARMUP > 0) {
    await new Promise<void>((resolve, reject) =>
      autocannon({ url, connections, duration: WARMUP, headers: headersWith(cookie) }, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  }
  const times: number[] = [];
  const cpuBefore = cpuSeconds(pid);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ url, connections, duration: DURATION, headers: headersWith(cookie) }, (err, res) =>
      err ? reject(err) : resolve(res),
    );
    instance.on("response", (_client, _status, _bytes, responseTime) => times.push(responseTime));
  });
  const cpuAfter = cpuSeconds(pid);
  times.sort((a, b) => a - b);
  const round = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);
  const line = {
    target,
    connections,
    duration_s: DURATION,
    warmup_s: WARMUP,
    requests: result.requests.total,
    rps: round(result.requests.average),
    p50_ms: round(result.latency.p50),
    p95_ms: round(percentile(times, 95)),
    p97_5_ms: round(result.latency.p97_5),
    p99_ms: round(result.latency.p99),
    max_ms: round(result.latency.max),
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    kb_per_response: result.requests.total ? round(result.throughput.total / result.requests.total / 1024) : null,
    server_cpu_ms_per_req:
      cpuBefore === null || cpuAfter === null || !result.requests.total
        ? null
        : round(((cpuAfter - cpuBefore) * 1000) / result.requests.total),
  };
  process.stdout.write(JSON.stringify(line) + "\n");
}

async function main() {
  log(`contacts=${CONTACTS} syncs=${SYNCS} runs-per-sync=${RUNS} duration=${DURATION}s connections=${CONNECTIONS}`);
  const managerId = await seedContacts();
  await seedSyncs();
  const cookie = await adminCookie();
  await closeDb();

  const server = await startServer();
  try {
    const base = `http://127.0.0.1:${PORT}`;
    // A prefix matching ~100 keys in the middle of the key range.
    const prefix = keyOf(Math.floor(CONTACTS / 2)).slice(0, Math.max(5, 4 + WIDTH - 2));
    const targets = [
      { target: "/managers/[id]", url: `${base}/managers/${managerId}`, expect: keyOf(1) },
      {
        target: `/managers/[id]?q=${prefix}`,
        url: `${base}/managers/${managerId}?q=${encodeURIComponent(prefix)}`,
        expect: prefix,
      },
      // "Email or name contains" at one client: text every contact has (the first page is found at once) and
      // text ~10 contacts spread over the key range have (the search reads the whole manager).
      {
        target: "/managers/[id]?in=text&q=first (1 client)",
        url: `${base}/managers/${managerId}?in=text&q=first`,
        expect: keyOf(1),
        connections: 1,
      },
      {
        target: "/managers/[id]?in=text&q=<the last email> (1 client)",
        url: `${base}/managers/${managerId}?in=text&q=${encodeURIComponent(keyOf(CONTACTS))}`,
        expect: keyOf(CONTACTS),
        connections: 1,
      },
      { target: "/api/syncs", url: `${base}/api/syncs`, expect: '"syncs"' },
      ...(SYNCS_LIMIT
        ? [
            {
              target: `/api/syncs?limit=${SYNCS_LIMIT}`,
              url: `${base}/api/syncs?limit=${SYNCS_LIMIT}`,
              expect: '"syncs"',
            },
          ]
        : []),
      // The framework's floor on this machine, side by side: a page that reads nothing (signed out) and a
      // route handler with one trivial query.
      { target: "floor: /signin", url: `${base}/signin`, expect: "Sign in", signedOut: true },
      { target: "floor: /api/health", url: `${base}/api/health`, expect: '"ok"', signedOut: true },
    ];
    const chosen = targets.filter((t) => values.only === undefined || t.target.includes(values.only));
    if (chosen.length === 0)
      throw new Error(`--only ${values.only}: no target matches (${targets.map((t) => t.target).join(", ")})`);
    const cookieOf = (t: { signedOut?: boolean }) => (t.signedOut ? "" : cookie);
    for (const t of chosen) await check(t.url, cookieOf(t), t.expect);
    const pid = serverPid(server);
    for (const t of chosen)
      await load(t.target, t.url, cookieOf(t), pid, "connections" in t ? t.connections : undefined);
  } finally {
    server.kill("SIGTERM");
    await new Promise((r) => {
      const timer = setTimeout(() => (server.kill("SIGKILL"), r(null)), 10_000);
      server.on("exit", () => (clearTimeout(timer), r(null)));
    });
  }
}

main().catch(async (e) => {
  log(`failed: ${e instanceof Error ? e.message : String(e)}`);
  await closeDb().catch(() => {});
  process.exit(1);
});
