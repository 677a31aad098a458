import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { clientIp } from "@/lib/auth/credentials";
import { setSessionReaderForTests } from "@/lib/auth/current-user";
import { authorizedAction, withApiAuth } from "@/lib/auth/guard";
import { formDataToObject } from "@/lib/form-data";
import { safeNextPath } from "@/lib/auth/next-path";
import { hasRole } from "@/lib/auth/roles";

afterEach(() => setSessionReaderForTests(null));

function form(entries: [string, string][]): FormData {
  const fd = new FormData();
  for (const [k, v] of entries) fd.append(k, v);
  return fd;
}

describe("roles", () => {
  it("orders admin > editor > viewer", () => {
    expect(hasRole("admin", "editor")).toBe(true);
    expect(hasRole("editor", "editor")).toBe(true);
    expect(hasRole("viewer", "editor")).toBe(false);
    expect(hasRole("editor", "admin")).toBe(false);
    expect(hasRole("viewer", "viewer")).toBe(true);
  });
});

describe("authorizedAction without a session (no database needed)", () => {
  it("refuses before parsing or running the handler", async () => {
    setSessionReaderForTests(async () => null);
    let ran = false;
    const action = authorizedAction("viewer", z.object({ name: z.string() }), async () => {
      ran = true;
    });
    const state = await action({}, form([["name", "x"]]));
    expect(state.code).toBe("unauthenticated");
    expect(ran).toBe(false);
  });

  it("treats a malformed user id in the token as no session", async () => {
    setSessionReaderForTests(async () => ({ userId: "not-a-uuid", pv: "x" }));
    const action = authorizedAction("viewer", z.object({}), async () => ({ ok: true }));
    expect((await action({}, new FormData())).code).toBe("unauthenticated");
  });
});

describe("withApiAuth without a session", () => {
  it("answers 401 with the JSON error shape", async () => {
    setSessionReaderForTests(async () => null);
    const handler = withApiAuth("viewer", async () => Response.json({ secret: true }));
    const res = await handler(new Request("http://127.0.0.1/api/x"), { params: Promise.resolve({}) });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: "unauthenticated", message: "Sign in first." } });
  });
});

describe("helpers", () => {
  it("formDataToObject keeps repeated names as arrays and drops Next's fields", () => {
    const o = formDataToObject(
      form([
        ["a", "1"],
        ["b", "x"],
        ["b", "y"],
        ["$ACTION_ID_abc", ""],
      ]),
    );
    expect(o).toEqual({ a: "1", b: ["x", "y"] });
  });

  it("safeNextPath allows only local paths", () => {
    expect(safeNextPath("/managers/1?x=2")).toBe("/managers/1?x=2");
    expect(safeNextPath("//evil.example")).toBe("/managers");
    expect(safeNextPath("/\\evil.example")).toBe("/managers");
    expect(safeNextPath("https://evil.example/")).toBe("/managers");
    expect(safeNextPath("/signin")).toBe("/managers");
    expect(safeNextPath(undefined)).toBe("/managers");
  });

  it("clientIp takes the right-most forwarded address (the one the nearest proxy added)", () => {
    expect(clientIp(new Headers({ "x-forwarded-for": "1.2.3.4, 10.0.0.9" }))).toBe("10.0.0.9");
    expect(clientIp({ "x-forwarded-for": "127.0.0.1" })).toBe("127.0.0.1");
    expect(clientIp(new Headers())).toBeNull();
  });
});
