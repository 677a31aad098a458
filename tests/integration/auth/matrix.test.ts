import { afterEach, describe, expect, it } from "vitest";
import type { Role } from "@/db/schema";
import { setSessionReaderForTests } from "@/lib/auth/current-user";
import { hasRole } from "@/lib/auth/roles";
import { useDb } from "@/tests/support/db";
import { endpoints } from "@/tests/integration/auth/endpoints";
import { actAs, createTestUser } from "@/tests/integration/auth/helpers";

const { db } = useDb();
afterEach(() => setSessionReaderForTests(null));

const actors: ("anonymous" | Role)[] = ["anonymous", "viewer", "editor", "admin"];

describe.each(endpoints)("$name (needs $minRole)", ({ minRole, call }) => {
  it.each(actors)("as %s", async (who) => {
    // A fresh user per call: some endpoints change the actor (its password) and must not affect others.
    const actor = who === "anonymous" ? null : await createTestUser(db, who);
    actAs(actor);
    const outcome = await call({ db, actor: actor ?? { id: "", password: "" } });
    const expected = who === "anonymous" ? "unauthenticated" : hasRole(who, minRole) ? "ok" : "forbidden";
    expect(outcome.result, outcome.detail).toBe(expected);
  });
});

describe("refused calls change nothing", () => {
  it("a viewer cannot create a manager, and no row appears", async () => {
    const viewer = await createTestUser(db, "viewer");
    actAs(viewer);
    const { createManagerAction } = await import("@/app/managers/actions");
    const fd = new FormData();
    fd.set("name", "should-not-exist-" + viewer.id);
    const state = await createManagerAction({}, fd);
    expect(state.code).toBe("forbidden");
    const { getSql } = await import("@/db/client");
    const rows = await getSql()`select 1 from managers where name = ${"should-not-exist-" + viewer.id}`;
    expect(rows.length).toBe(0);
  });
});
