/**
 * runMigrations in a database of its own: the committed migrations on a fresh database, and a migration
 * folder that grows (as a pull brings a new migration): an up-to-date database is left alone, a new migration
 * is still applied, once.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runMigrations } from "@/db/migrate";

const base = process.env.DATABASE_URL!;
const name = `contact_sync_migrate_${randomBytes(4).toString("hex")}`;
const url = Object.assign(new URL(base), { pathname: `/${name}` }).toString();
let sql: postgres.Sql;

async function admin<T>(f: (a: postgres.Sql) => Promise<T>): Promise<T> {
  const a = postgres(base, { max: 1, onnotice: () => {} });
  try {
    return await f(a);
  } finally {
    await a.end();
  }
}

beforeAll(async () => {
  await admin((a) => a.unsafe(`create database ${name}`));
  sql = postgres(url, { max: 1, onnotice: () => {} });
});

afterAll(async () => {
  await sql.end();
  await admin((a) => a.unsafe(`drop database if exists ${name} with (force)`));
});

const applied = async () =>
  (await sql<{ n: number }[]>`select count(*)::int as n from drizzle.__drizzle_migrations`)[0].n;

function folderWith(migrations: { tag: string; when: number; sql: string }[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "migrations-"));
  fs.mkdirSync(path.join(dir, "meta"));
  const entries = migrations.map((m, idx) => ({ idx, version: "7", when: m.when, tag: m.tag, breakpoints: true }));
  fs.writeFileSync(
    path.join(dir, "meta", "_journal.json"),
    JSON.stringify({ version: "7", dialect: "postgresql", entries }),
  );
  for (const m of migrations) fs.writeFileSync(path.join(dir, `${m.tag}.sql`), m.sql);
  return dir;
}

describe("runMigrations", () => {
  it("applies every committed migration to a fresh database, then leaves it alone", async () => {
    const journal = JSON.parse(fs.readFileSync(path.resolve("db/migrations/meta/_journal.json"), "utf8"));
    await runMigrations(url);
    expect(await applied()).toBe(journal.entries.length);
    const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from information_schema.tables
      where table_schema = 'public' and table_name in ('contacts', 'managers', 'runs')`;
    expect(n).toBe(3);
    await runMigrations(url);
    expect(await applied()).toBe(journal.entries.length);
  });

  it("applies a migration newer than the database's newest, and only that one", async () => {
    const last = Number(
      (await sql<{ t: string }[]>`select max(created_at)::text as t from drizzle.__drizzle_migrations`)[0].t,
    );
    const before = await applied();
    const first = { tag: "9001_first", when: last + 1000, sql: "create table migrate_test_a (id int);" };
    await runMigrations(url, { migrationsFolder: folderWith([first]) });
    expect(await applied()).toBe(before + 1);

    const second = {
      tag: "9002_second",
      when: last + 2000,
      sql: "create table migrate_test_b (id int);\n--> statement-breakpoint\ninsert into migrate_test_b values (1);",
    };
    const grown = folderWith([first, second]);
    await runMigrations(url, { migrationsFolder: grown });
    expect(await applied()).toBe(before + 2);
    expect(await sql`select id from migrate_test_b`).toEqual([{ id: 1 }]);

    // Up to date: nothing is applied again (the table would already exist, the row be doubled).
    await runMigrations(url, { migrationsFolder: grown });
    expect(await applied()).toBe(before + 2);
    expect(await sql`select id from migrate_test_b`).toEqual([{ id: 1 }]);
  });

  it("checks with the client it is given, and still applies a newer migration", async () => {
    const last = Number(
      (await sql<{ t: string }[]>`select max(created_at)::text as t from drizzle.__drizzle_migrations`)[0].t,
    );
    const before = await applied();
    const current = folderWith([{ tag: "9003_old", when: last, sql: "create table migrate_test_never (id int);" }]);
    await runMigrations(url, { migrationsFolder: current, check: sql });
    expect(await applied()).toBe(before);
    expect(await sql`select to_regclass('migrate_test_never') as t`).toEqual([{ t: null }]);

    const newer = folderWith([{ tag: "9004_new", when: last + 1, sql: "create table migrate_test_c (id int);" }]);
    await runMigrations(url, { migrationsFolder: newer, check: sql });
    expect(await applied()).toBe(before + 1);
    expect(await sql`select to_regclass('migrate_test_c')::text as t`).toEqual([{ t: "migrate_test_c" }]);
  });
});
