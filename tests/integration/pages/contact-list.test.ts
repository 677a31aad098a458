import { beforeAll, describe, expect, it } from "vitest";
import type { ManagerWithFields } from "@/lib/managers/queries";
import { createManager, listManagers } from "@/lib/managers/queries";
import { countContacts, listContacts, prefixUpperBound, type ContactSort } from "@/lib/managers/contact-list";
import { searchText } from "@/lib/contacts/search-text";
import { uniqueName, useDb } from "@/tests/support/db";

const { db, sql } = useDb();
let m: ManagerWithFields;
const fieldId = (role: string) => m.fields.find((f) => f.role === role)!.id;

/** 120 live contacts K000..K119 (K007 spelled "k007" to test case), 3 soft-deleted ones, another manager's contacts. */
beforeAll(async () => {
  m = await createManager(db, { name: uniqueName("list") });
  const other = await createManager(db, { name: uniqueName("other") });
  const rows = Array.from({ length: 120 }, (_, i) => {
    const key = i === 7 ? "k007" : `K${String(i).padStart(3, "0")}`;
    const [email, first, last] = [`person${i}@example.test`, i === 42 ? "Zoë" : `First${i}`, `Last${i}`];
    return {
      manager_id: m.id,
      key,
      key_norm: key.toLowerCase(),
      data: { [fieldId("email")]: email, [fieldId("first_name")]: first, [fieldId("last_name")]: last },
      search: searchText(email, first, last), // as imports write it
      row_hash: `h${i}`,
      updated_at: new Date(Date.UTC(2026, 0, 1, 0, 0, i % 60, 0)), // ties on purpose: (updated_at, id) orders them
    };
  });
  await sql`insert into contacts ${sql(rows.map((r) => ({ ...r, data: sql.json(r.data) })))}`;
  await sql`insert into contacts (manager_id, key, key_norm, data, row_hash, deleted_at) values
    (${m.id}, 'K999', 'k999', '{}', 'x', now()), (${m.id}, 'K998', 'k998', '{}', 'x', now()), (${m.id}, 'K997', 'k997', '{}', 'x', now())`;
  await sql`insert into contacts (manager_id, key, key_norm, data, row_hash) values (${other.id}, 'K001', 'k001', '{}', 'x')`;
});

async function walk(sort: ContactSort, extra: { q?: string; searchIn?: "key" | "text" } = {}) {
  const keys: string[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 50; pages++) {
    const p = await listContacts(sql, { managerId: m.id, fields: m.fields, sort, pageSize: 25, after, ...extra });
    keys.push(...p.rows.map((r) => r.key));
    if (!p.nextCursor) break;
    after = p.nextCursor;
  }
  return keys;
}

describe("listContacts", () => {
  it("counts live contacts only", async () => {
    expect(await countContacts(sql, m.id)).toBe(120);
  });

  it("the managers list shows each manager's kept count (managers.contact_count)", async () => {
    const counted = await createManager(db, { name: uniqueName("counted") });
    await sql`update managers set contact_count = 1234567 where id = ${counted.id}`;
    const listed = await listManagers(db);
    expect(listed.find((x) => x.id === counted.id)).toMatchObject({ contactCount: 1234567 });
    expect(listed.find((x) => x.id === m.id)).toMatchObject({ contactCount: 0 }); // rows inserted by hand are not counted
  });

  it("pages through every live contact once, in key order, case-insensitively", async () => {
    const keys = await walk("key_asc");
    expect(keys.length).toBe(120);
    expect(keys[0]).toBe("K000");
    expect(keys[7]).toBe("k007");
    expect(keys.at(-1)).toBe("K119");
    expect(keys).not.toContain("K999");
    const desc = await walk("key_desc");
    expect(desc).toEqual([...keys].reverse());
  });

  it("pages by last update with ties broken by id, both ways, with no gaps or repeats", async () => {
    const newest = await walk("updated_desc");
    const oldest = await walk("updated_asc");
    expect(new Set(newest).size).toBe(120);
    expect(newest).toEqual([...oldest].reverse());
  });

  it("goes back a page with the previous cursor", async () => {
    const p1 = await listContacts(sql, { managerId: m.id, fields: m.fields, sort: "key_asc", pageSize: 10 });
    expect(p1.prevCursor).toBeNull();
    const p2 = await listContacts(sql, {
      managerId: m.id,
      fields: m.fields,
      sort: "key_asc",
      pageSize: 10,
      after: p1.nextCursor!,
    });
    const back = await listContacts(sql, {
      managerId: m.id,
      fields: m.fields,
      sort: "key_asc",
      pageSize: 10,
      before: p2.prevCursor!,
    });
    expect(back.rows.map((r) => r.key)).toEqual(p1.rows.map((r) => r.key));
    expect(back.prevCursor).toBeNull();
    expect(back.nextCursor).not.toBeNull();
  });

  it("finds keys by prefix, whatever the case", async () => {
    expect(await walk("key_asc", { q: "k01" })).toEqual(Array.from({ length: 10 }, (_, i) => `K01${i}`));
    expect(await walk("key_asc", { q: "K00" })).toContain("k007");
    expect(await walk("key_asc", { q: "nothing" })).toEqual([]);
    // LIKE wildcards in the search are plain characters
    expect(await walk("key_asc", { q: "k_" })).toEqual([]);
  });

  it("finds contacts by email or name (contains)", async () => {
    expect(await walk("key_asc", { q: "person11", searchIn: "text" })).toEqual([
      "K011",
      "K110",
      "K111",
      "K112",
      "K113",
      "K114",
      "K115",
      "K116",
      "K117",
      "K118",
      "K119",
    ]);
    expect(await walk("key_asc", { q: "zoë", searchIn: "text" })).toEqual(["K042"]);
    expect(await walk("key_asc", { q: "first5 last5", searchIn: "text" })).toEqual(["K005"]);
    expect(await walk("key_asc", { q: "100%", searchIn: "text" })).toEqual([]);
    // Within the email or within the name, never across the two.
    expect(await walk("key_asc", { q: "example.test first5", searchIn: "text" })).toEqual([]);
    expect(await walk("key_asc", { q: "example.test\u0001first5", searchIn: "text" })).toEqual([]);
  });

  it("rejects a tampered cursor with a clear error", async () => {
    await expect(
      listContacts(sql, { managerId: m.id, fields: m.fields, sort: "key_asc", after: "garbage!" }),
    ).rejects.toMatchObject({ code: "invalid_cursor" });
  });

  it("uses the live-key index for key order and prefix search (no sort, no seq scan)", async () => {
    await sql`analyze contacts`;
    const plan = await sql.begin(async (tx) => {
      // Tiny tables make any plan cheap: forbid the alternatives, so a Sort or Seq Scan left means the index cannot serve it.
      await tx`set local enable_seqscan = off`;
      await tx`set local enable_bitmapscan = off`;
      await tx`set local enable_sort = off`;
      return tx.unsafe(
        `explain select id from contacts where manager_id = '${m.id}' and deleted_at is null and key_norm ~>=~ 'k01' and key_norm ~<~ 'k02' order by key_norm using ~<~ limit 26`,
      );
    });
    const text = plan.map((r) => Object.values(r)[0]).join("\n");
    expect(text).toMatch(/contacts_manager_key_idx/);
    expect(text).not.toMatch(/Sort/);
  });
});

describe("prefixUpperBound", () => {
  it("is the next string after every string with the prefix", () => {
    expect(prefixUpperBound("abc")).toBe("abd");
    expect(prefixUpperBound("a\u{10FFFF}")).toBe("b");
    expect(prefixUpperBound("\u{D7FF}")).toBe("\u{E000}");
    expect(prefixUpperBound("")).toBeNull();
  });
});
