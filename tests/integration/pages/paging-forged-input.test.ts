import { describe, expect, it } from "vitest";
import { useDb, uniqueName } from "@/tests/support/db";
import { GET as listSyncs } from "@/app/api/syncs/route";
import { createManager } from "@/lib/managers/queries";
import { listContacts } from "@/lib/managers/contact-list";
import { isAppError } from "@/lib/errors";
import { actAs } from "@/tests/integration/auth/helpers";
import { makeManager, makeSync, makeUser } from "@/tests/integration/runs/fixtures";

const { db, sql } = useDb();
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
const get = (path: string) => new Request(`http://127.0.0.1${path}`);

describe("GET /api/syncs with forged cursors: a clean 400, never a 500", () => {
  const uuid = "7d3f4c2a-1b2c-4d5e-8f90-123456789abc";
  const cases: [string, unknown][] = [
    ["a time Date.parse takes but Postgres does not", ["a", "b", "1", uuid]],
    ["a NUL character in a name", ["a\u0000", "b", "2026-01-01 00:00:00+00", uuid]],
  ];
  for (const [what, raw] of cases) {
    it(what, async () => {
      actAs(await makeUser(db, "viewer"));
      const m = await makeManager(db);
      await makeSync(db, m.id);
      const res = await listSyncs(get(`/api/syncs?after=${b64(raw)}`), { params: Promise.resolve({}) } as never);
      const body = await res.json();
      expect({ status: res.status, body }).toEqual({
        status: 400,
        body: { error: { code: "invalid_cursor", message: expect.any(String) } },
      });
    });
  }
});

describe("contacts list (manager page) with odd input: an AppError (shown on the page), never an internal error", () => {
  async function outcome(q: Parameters<typeof listContacts>[1]) {
    try {
      await listContacts(sql, q);
      return "ok";
    } catch (e) {
      return isAppError(e) ? `AppError ${e.code}` : `internal: ${(e as Error).message}`;
    }
  }
  it("forged key cursor containing NUL", async () => {
    const m = await createManager(db, { name: uniqueName("cur") });
    expect(await outcome({ managerId: m.id, fields: m.fields, sort: "key_asc", after: b64({ k: "a\u0000" }) })).toBe(
      "AppError invalid_cursor",
    );
  });
  it("search term containing NUL (?q=%00)", async () => {
    const m = await createManager(db, { name: uniqueName("cur") });
    expect(await outcome({ managerId: m.id, fields: m.fields, sort: "key_asc", q: "a\u0000" })).toMatch(
      /^(ok|AppError)/,
    );
    expect(
      await outcome({ managerId: m.id, fields: m.fields, sort: "key_asc", q: "a\u0000", searchIn: "text" }),
    ).toMatch(/^(ok|AppError)/);
  });
});

describe("key prefix search matches keys as they are normalised (NFC)", () => {
  it("finds 'Zoë' typed in decomposed form (e + U+0308, as macOS input gives)", async () => {
    const m = await createManager(db, { name: uniqueName("nfc") });
    const key = "Zoë-1"; // precomposed, as normalizeKey stores it
    await sql`insert into contacts (manager_id, key, key_norm, data, row_hash) values (${m.id}, ${key}, ${key.normalize("NFC").toLowerCase()}, '{}', 'x')`;
    const nfd = "zoe\u0308";
    const page = await listContacts(sql, {
      managerId: m.id,
      fields: m.fields,
      sort: "key_asc",
      q: nfd,
      searchIn: "key",
    });
    expect(page.rows.map((r) => r.key)).toEqual([key]);
  });
});
