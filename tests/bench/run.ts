/**
 * Engine benchmark: `npm run bench -- [--rows N] [--seed S] [--repeat K] [--background-contacts M]`. Prints one JSON
 * line per scenario: {scenario, rows, seconds, rows_per_s, ratio_to_floor, peak_rss_mb}. The CSV (csv.ts) has 8
 * columns (email = key, first and last name, a language tag, a quoted department holding a comma, phone, city, a
 * number); rows are reproducible by --seed.
 *  a) copy_floor      the floor every ratio is taken against: the same rows, serialised as (key, jsonb) text into a
 *                     file before the clock starts, loaded by `psql \copy` into a table with the contacts' unique
 *                     index. Nothing is done per row while it is timed. Without psql on PATH the file is streamed
 *                     through postgres.js COPY instead (same work, no per-row code) and the line says so.
 *  a2) node_copy      the older floor, kept for comparison: rows serialised in Node while the clock runs.
 *  b) first_import    `npm run -s cli -- import ...` of a fresh manager from a local CSV file: the whole process
 *                     tree (npm and the bundled CLI), from spawn to exit, as a user runs it.
 *  c) resync          5% changed, 1% removed, 1% added, with --update --delete-missing
 *  d) unchanged       the same file again (skipped by fingerprint)
 *  e) cli_start       the CLI with no command (prints its usage): what every command pays before it works
 *  f) peak_rss        the highest peak RSS of any one process of the import process trees (sampled from /proc)
 *  g) first_import_gzip (--gzip) the same first import from the file gzip-compressed (compressed before the
 *                     clock starts) into another fresh manager, beside first_import_plain_control (the plain
 *                     file imported with the table in the same state); ratio_to_plain is gzip over control.
 *                     --gzip-only runs just (b) and (g), for the compressed-vs-plain comparison alone.
 * --rules adds (h): the first import and the re-sync again into a second manager with rules on 3 fields.
 * --background-contacts M first seeds M contacts spread over 50 other managers (set-based SQL, not timed), the
 * scale scenario: an import into a new manager must not slow down because others are big.
 * Every timed scenario starts after a CHECKPOINT (not timed): otherwise the checkpoint that the previous
 * scenario's writes call for (a million rows fill max_wal_size) lands in the middle of the next one.
 * BENCH_PHASES=1 with LOG_LEVEL=debug prints each import's phase times (from the CLI's debug log) to stderr.
 * The floor varies by half on a shared machine: --repeat K runs K rounds (each line gets its `round`), then
 * prints per scenario the median of the rounds (`median_of`: K); each ratio is to its own round's floor.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { once } from "node:events";
import { spawnSync } from "node:child_process";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import { createGzip } from "node:zlib";
import { closeDb, getDb, getSql } from "@/db/client";
import { createManager, deleteManager } from "@/lib/managers/queries";
import { copyValue } from "@/lib/sync/encode";
import { benchPeople, COLUMNS, EXTRA_FIELDS, values, writeFile } from "@/tests/bench/csv";
import { runCliMeasured } from "@/tests/bench/process-tree";
import { dropBackground, seedBackground } from "@/tests/bench/background";

const { values: args } = parseArgs({
  options: {
    rows: { type: "string" },
    seed: { type: "string" },
    repeat: { type: "string" },
    "background-contacts": { type: "string" },
    "drop-background": { type: "boolean" },
    gzip: { type: "boolean" },
    "gzip-only": { type: "boolean" },
    rules: { type: "boolean" },
  },
});
/**
 * --rules: each round also runs the first import and the re-sync into a second manager with merge or empty-cell
 * rules on 3 fields (City fill, Department create-only, Phone keep): `first_import_rules` and `resync_rules`,
 * each with `ratio_to_plain`, its time over the same round's scenario without rules (the cost of rules,
 * measured side by side so that the machine's drift between runs does not count).
 */
const RULES = ["--merge", "City=fill", "--merge", "Department=create-only", "--empty", "Phone=keep"];
const GZIP = !!args.gzip || !!args["gzip-only"];
const N = Number(args.rows ?? 1_000_000);
const REPEAT = Number(args.repeat ?? 1);
const BACKGROUND = Number(args["background-contacts"] ?? 0);
if (!Number.isInteger(REPEAT) || REPEAT < 1) throw new Error("--repeat must be a whole number ≥ 1.");
if (!Number.isInteger(BACKGROUND) || BACKGROUND < 0) throw new Error("--background-contacts must be a whole number.");
const person = benchPeople(Number(args.seed ?? 1));
let floorSeconds = 0;
let importPeakMb = 0;

type Line = {
  scenario: string;
  rows: number;
  seconds: number;
  rows_per_s: number | null;
  ratio_to_floor: number | null;
  peak_rss_mb: number;
  ratio_to_plain?: number;
  note?: string;
};
/** Every round's lines, for the medians printed after the last of several rounds. */
const rounds: Line[] = [];
let round = 1;

function emit(
  scenario: string,
  rows: number,
  seconds: number,
  peakMb: number,
  note?: string,
  extra: Pick<Line, "ratio_to_plain"> = {},
) {
  const line: Line = {
    scenario,
    rows,
    seconds: Math.round(seconds * 1000) / 1000,
    rows_per_s: seconds > 0 && rows > 0 ? Math.round(rows / seconds) : null,
    ratio_to_floor:
      floorSeconds > 0 && rows > 0 && seconds > 0 ? Math.round((seconds / floorSeconds) * 100) / 100 : null,
    peak_rss_mb: peakMb,
    ...extra,
    ...(note ? { note } : {}),
  };
  rounds.push(line);
  process.stdout.write(JSON.stringify(REPEAT > 1 ? { ...line, round } : line) + "\n");
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * After several rounds: per scenario, the median time and the median of the rounds' ratios (each round's
 * ratio is to that round's own floor, measured beside it), and the highest peak RSS of all rounds.
 */
function emitMedians() {
  for (const scenario of [...new Set(rounds.map((l) => l.scenario))]) {
    const lines = rounds.filter((l) => l.scenario === scenario);
    const seconds = median(lines.map((l) => l.seconds));
    const ratios = lines.map((l) => l.ratio_to_floor).filter((r): r is number => r !== null);
    const toPlain = lines.map((l) => l.ratio_to_plain).filter((r): r is number => r !== undefined);
    const line = {
      scenario,
      rows: lines[0].rows,
      seconds: Math.round(seconds * 1000) / 1000,
      rows_per_s: seconds > 0 && lines[0].rows > 0 ? Math.round(lines[0].rows / seconds) : null,
      ratio_to_floor: ratios.length ? Math.round(median(ratios) * 100) / 100 : null,
      peak_rss_mb: Math.max(...lines.map((l) => l.peak_rss_mb)),
      ...(toPlain.length ? { ratio_to_plain: Math.round(median(toPlain) * 1000) / 1000 } : {}),
      median_of: lines.length,
    };
    process.stdout.write(JSON.stringify(line) + "\n");
  }
}

let checkpointRefused = false;
/** Flush what earlier scenarios wrote, so that no scenario pays for another's checkpoint. */
async function settle(): Promise<void> {
  if (checkpointRefused) return;
  try {
    await getSql()`checkpoint`;
  } catch (e) {
    checkpointRefused = true;
    console.error(
      `bench: CHECKPOINT refused (${e instanceof Error ? e.message : String(e)}); scenarios may pay for each other's checkpoints`,
    );
  }
}

const hasPsql = spawnSync("psql", ["--version"], { stdio: "ignore" }).status === 0;

/** A fresh table of the floor's shape: the manager, the matched key, the values as jsonb, the contacts' unique index. */
async function floorTable(): Promise<string> {
  const sql = getSql();
  const table = `bench_floor_${process.pid}`;
  await sql.unsafe(`drop table if exists ${table}`);
  await sql.unsafe(`create table ${table} (manager_id uuid not null, key_norm text not null, data jsonb not null)`);
  await sql.unsafe(`create unique index on ${table} (manager_id, key_norm text_pattern_ops)`);
  return table;
}

const FLOOR_MANAGER = "00000000-0000-0000-0000-000000000001";
/** One COPY text line of the floor: what the import stores for a row (`data` keyed by the manager's field ids). */
function floorLine(i: number, fieldIds: string[]): string {
  const row = values(person(i));
  const data: Record<string, string> = {};
  for (const [k, id] of fieldIds.entries()) data[id] = row[k];
  return `${FLOOR_MANAGER}\t${row[0].toLowerCase()}\t${copyValue(JSON.stringify(data))}\n`;
}

/** (a) The floor: pre-serialised rows loaded by psql's \copy (or streamed from the file when psql is missing). */
async function copyFloor(fieldIds: string[], dir: string): Promise<void> {
  const file = path.join(dir, "floor.tsv");
  const out = fs.createWriteStream(file);
  for (let i = 0; i < N; i++) if (!out.write(floorLine(i, fieldIds))) await once(out, "drain");
  out.end();
  await once(out, "finish");
  const table = await floorTable();
  await settle();
  const started = performance.now();
  if (hasPsql) {
    const r = spawnSync(
      "psql",
      [process.env.DATABASE_URL!, "-v", "ON_ERROR_STOP=1", "-qc", `\\copy ${table} from '${file}'`],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    if (r.status !== 0) throw new Error(`psql \\copy exited with ${r.status}`);
  } else {
    const stream = await getSql().unsafe(`copy ${table} from stdin`).writable();
    fs.createReadStream(file).pipe(stream);
    await once(stream, "finish");
  }
  floorSeconds = (performance.now() - started) / 1000;
  emit("copy_floor", N, floorSeconds, 0, hasPsql ? "psql \\copy" : "file streamed by postgres.js (no psql on PATH)");
  await getSql().unsafe(`drop table ${table}`);
  fs.rmSync(file);
}

/** (a2) The older floor: the same rows serialised in Node while the clock runs (for comparison only). */
async function nodeCopy(fieldIds: string[]): Promise<void> {
  const table = await floorTable();
  await settle();
  const started = performance.now();
  const stream = await getSql().unsafe(`copy ${table} from stdin`).writable();
  let buf = "";
  for (let i = 0; i < N; i++) {
    buf += floorLine(i, fieldIds);
    if (buf.length > 256 * 1024) {
      stream.write(buf);
      if (stream.writableLength > 4 * 1024 * 1024) await once(stream, "drain");
      buf = "";
    }
  }
  stream.end(buf);
  await once(stream, "finish");
  emit("node_copy", N, (performance.now() - started) / 1000, 0, "serialised in Node while timed");
  await getSql().unsafe(`drop table ${table}`);
}

const importArgs = (managerId: string, file: string, rules: boolean) => [
  "import",
  "--manager",
  managerId,
  "--file",
  file,
  "--key",
  "Email",
  "--update",
  "--delete-missing",
  ...(rules ? RULES : []),
  "--json",
];

/** One CLI import as a user runs it; its summary, wall time and the peak RSS of its process tree. */
async function cliImport(managerId: string, file: string, rules = false) {
  const r = await runCliMeasured(importArgs(managerId, file, rules));
  if (r.code !== 0) throw new Error(`cli import exited with ${r.code}: ${r.stderr.slice(0, 2000)}`);
  importPeakMb = Math.max(importPeakMb, r.peakRssMb);
  if (process.env.BENCH_PHASES)
    for (const line of r.stderr.split("\n")) if (line.includes("run phases")) console.error(line);
  return { ...r, summary: JSON.parse(r.stdout.trim().split("\n").pop()!) };
}

/** One round: the floors, then a fresh manager through (b), (c), (d), (e). */
async function benchRound() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
  const file = path.join(dir, "contacts.csv");
  const resyncFile = path.join(dir, "contacts-resync.csv");
  const db = getDb();
  const manager = await createManager(db, { name: `bench-${Date.now()}`, fields: EXTRA_FIELDS });
  const f = (label: string) => manager.fields.find((x) => x.label === label)!.id;
  try {
    await copyFloor(COLUMNS.map(f), dir);
    await nodeCopy(COLUMNS.map(f));

    await writeFile(
      file,
      (function* () {
        for (let i = 0; i < N; i++) yield person(i);
      })(),
    );
    await settle();
    const first = await cliImport(manager.id, file);
    if (first.summary.status !== "succeeded" || first.summary.created !== N)
      throw new Error(`first import: ${JSON.stringify(first.summary).slice(0, 500)}`);
    emit("first_import", N, first.seconds, first.peakRssMb);
    if (GZIP) await gzipImport(file);
    if (args["gzip-only"]) return;

    const changed = Math.floor(N * 0.05);
    const removed = Math.floor(N * 0.01);
    const added = Math.floor(N * 0.01);
    await writeFile(
      resyncFile,
      (function* () {
        for (let i = removed; i < N; i++) {
          const p = person(i);
          yield i < removed + changed ? { ...p, score: p.score + 1 } : p;
        }
        for (let i = 0; i < added; i++) yield person(N + i);
      })(),
    );
    await settle();
    const second = await cliImport(manager.id, resyncFile);
    const s2 = second.summary;
    if (s2.status !== "succeeded" || s2.updated !== changed || s2.deleted !== removed || s2.created !== added)
      throw new Error(`re-sync: ${JSON.stringify(s2).slice(0, 500)}`);
    emit("resync", N - removed + added, second.seconds, second.peakRssMb);

    await settle();
    const third = await cliImport(manager.id, resyncFile);
    if (third.summary.status !== "skipped_unchanged") throw new Error(`unchanged: ${third.summary.status}`);
    emit("unchanged", N - removed + added, third.seconds, third.peakRssMb);

    const start = await runCliMeasured([]);
    if (start.code !== 2) throw new Error(`the CLI without a command exited with ${start.code}, not 2 (usage)`);
    emit("cli_start", 0, start.seconds, start.peakRssMb);
    if (args.rules) await rulesImports(file, resyncFile, { first, second, changed, removed, added });
    emit("peak_rss", N, 0, importPeakMb);
  } finally {
    await deleteManager(db, manager.id);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** (h) --rules: the same two imports into a second manager with rules on 3 fields, beside the plain ones. */
async function rulesImports(
  file: string,
  resyncFile: string,
  plain: { first: { seconds: number }; second: { seconds: number }; changed: number; removed: number; added: number },
) {
  const db = getDb();
  const other = await createManager(db, { name: `bench-rules-${Date.now()}`, fields: EXTRA_FIELDS });
  const toPlain = (s: number, p: number) => ({ ratio_to_plain: Math.round((s / p) * 1000) / 1000 });
  try {
    await settle();
    const first = await cliImport(other.id, file, true);
    if (first.summary.status !== "succeeded" || first.summary.created !== N)
      throw new Error(`first import with rules: ${JSON.stringify(first.summary).slice(0, 500)}`);
    emit(
      "first_import_rules",
      N,
      first.seconds,
      first.peakRssMb,
      undefined,
      toPlain(first.seconds, plain.first.seconds),
    );
    await settle();
    const second = await cliImport(other.id, resyncFile, true);
    const s2 = second.summary;
    // Department create-only and City fill: the changed Score still makes each changed row an update.
    if (s2.status !== "succeeded" || s2.updated !== plain.changed || s2.deleted !== plain.removed)
      throw new Error(`re-sync with rules: ${JSON.stringify(s2).slice(0, 500)}`);
    emit(
      "resync_rules",
      N - plain.removed + plain.added,
      second.seconds,
      second.peakRssMb,
      undefined,
      toPlain(second.seconds, plain.second.seconds),
    );
  } finally {
    await deleteManager(db, other.id);
  }
}

/**
 * (g) The same rows as a .csv.gz, against a plain import made in the same state of the table: each into a fresh
 * manager that is removed (and the table vacuumed, untimed) before the other, the order alternating by round.
 * Compared with (b) instead, the archive would pay for the million contacts (b) left in the unique index.
 */
async function gzipImport(file: string) {
  const gz = `${file}.gz`;
  await pipeline(fs.createReadStream(file), createGzip(), fs.createWriteStream(gz));
  const db = getDb();
  const importInto = async (name: string, path: string) => {
    const other = await createManager(db, { name: `${name}-${Date.now()}`, fields: EXTRA_FIELDS });
    try {
      await settle();
      const r = await cliImport(other.id, path);
      if (r.summary.status !== "succeeded" || r.summary.created !== N)
        throw new Error(`${name} import: ${JSON.stringify(r.summary).slice(0, 500)}`);
      return r;
    } finally {
      await deleteManager(db, other.id);
      await getSql()`vacuum contacts`;
    }
  };
  try {
    let plain: Awaited<ReturnType<typeof cliImport>>;
    let packed: Awaited<ReturnType<typeof cliImport>>;
    if (round % 2 === 1) {
      packed = await importInto("bench-gz", gz);
      plain = await importInto("bench-plain", file);
    } else {
      plain = await importInto("bench-plain", file);
      packed = await importInto("bench-gz", gz);
    }
    const time = Math.round((packed.seconds / plain.seconds) * 1000) / 1000;
    const rss = Math.round((packed.peakRssMb / plain.peakRssMb) * 100) / 100;
    emit(
      "first_import_plain_control",
      N,
      plain.seconds,
      plain.peakRssMb,
      "the plain file beside (g), same table state",
    );
    emit(
      "first_import_gzip",
      N,
      packed.seconds,
      packed.peakRssMb,
      `${(fs.statSync(gz).size / 1024 / 1024).toFixed(1)} MiB compressed of ${(fs.statSync(file).size / 1024 / 1024).toFixed(1)} MiB; ${rss}x the control's peak RSS`,
      { ratio_to_plain: time },
    );
  } finally {
    fs.rmSync(gz, { force: true });
  }
}

async function main() {
  try {
    if (args["drop-background"]) {
      process.stderr.write(`bench: ${await dropBackground(getDb(), getSql())} background managers removed\n`);
      return;
    }
    if (BACKGROUND > 0) {
      const seconds = await seedBackground(getDb(), getSql(), BACKGROUND, 50);
      process.stderr.write(
        `bench: ${BACKGROUND} background contacts in 50 managers seeded in ${seconds.toFixed(1)} s\n`,
      );
    }
    for (round = 1; round <= REPEAT; round++) {
      importPeakMb = 0;
      await benchRound();
    }
    if (REPEAT > 1) emitMedians();
  } finally {
    await closeDb();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
