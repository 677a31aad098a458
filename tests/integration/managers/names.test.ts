import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import { describe, expect, it } from "vitest";
import { uniqueName, useDb } from "@/tests/support/db";
import { createManager, renameManager } from "@/lib/managers/queries";

const { db, sql } = useDb();

describe("Contact Manager names", () => {
  it("are unique whatever the case and the surrounding spaces", async () => {
    const name = uniqueName("Members");
    await createManager(db, { name });
    await expect(createManager(db, { name: `  ${name.toUpperCase()} ` })).rejects.toMatchObject({
      code: "duplicate_name",
      status: 409,
      message: `A Contact Manager named "${name.toUpperCase()}" already exists. Choose another name.`,
    });
    const other = await createManager(db, { name: uniqueName("Staff") });
    await expect(renameManager(db, other.id, name)).rejects.toMatchObject({ code: "duplicate_name" });
    // A manager may change the case of its own name.
    await renameManager(db, other.id, other.name.toUpperCase());
    const [row] = await sql`select name from managers where id = ${other.id}`;
    expect(row.name).toBe(other.name.toUpperCase());
  });

  it("the migration renames managers that already share a name before it makes names unique", async () => {
    const dbName = `contact_sync_names_${process.pid}_${Date.now().toString(36)}`;
    await sql.unsafe(`create database ${dbName}`);
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${dbName}`;
    const scratch = postgres(url.toString(), { max: 1, onnotice: () => {} });
    const folder = path.join(process.cwd(), "db/migrations");
    const before = fs.mkdtempSync(path.join(os.tmpdir(), "migrations-"));
    try {
      // The migrations up to the one before this rule, as an older release had them.
      const journal = JSON.parse(fs.readFileSync(path.join(folder, "meta/_journal.json"), "utf8"));
      const upTo = journal.entries.findIndex((e: { tag: string }) => e.tag === "0004_managers_unique_name");
      expect(upTo).toBeGreaterThan(0);
      fs.mkdirSync(path.join(before, "meta"));
      fs.writeFileSync(
        path.join(before, "meta/_journal.json"),
        JSON.stringify({ ...journal, entries: journal.entries.slice(0, upTo) }),
      );
      for (const e of journal.entries.slice(0, upTo))
        fs.copyFileSync(path.join(folder, `${e.tag}.sql`), path.join(before, `${e.tag}.sql`));
      await migrate(drizzle(scratch), { migrationsFolder: before });

      await scratch`insert into managers (name, created_at) values
        ('Members', now() - interval '3 days'), ('members', now() - interval '2 days'), ('MEMBERS', now() - interval '1 day'),
        ('Members (2)', now()), ('Staff', now())`;
      await migrate(drizzle(scratch), { migrationsFolder: folder });

      const names = (await scratch<{ name: string }[]>`select name from managers order by created_at, name`).map(
        (r) => r.name,
      );
      expect(names[0]).toBe("Members");
      expect(names[1]).toMatch(/^members \(2, [0-9a-f]{8}\)$/);
      expect(names[2]).toBe("MEMBERS (3)");
      expect(names.slice(3)).toEqual(["Members (2)", "Staff"]);
      await expect(scratch`insert into managers (name) values ('STAFF')`).rejects.toMatchObject({ code: "23505" });
    } finally {
      await scratch.end({ timeout: 5 });
      await sql.unsafe(`drop database if exists ${dbName} with (force)`);
      fs.rmSync(before, { recursive: true, force: true });
    }
  });
});
