import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterEach, describe, expect, it } from "vitest";
import { setSessionReaderForTests } from "@/lib/auth/current-user";
import * as openapiRoute from "@/app/api/openapi.json/route";
import { endpoints } from "@/tests/integration/auth/endpoints";
import { actAs, createTestUser } from "@/tests/integration/auth/helpers";
import { useDb } from "@/tests/support/db";

const { db } = useDb();
afterEach(() => setSessionReaderForTests(null));

async function document(): Promise<{ paths: Record<string, Record<string, unknown>> } & Record<string, unknown>> {
  actAs(await createTestUser(db, "viewer"));
  const res = await openapiRoute.GET(new Request("http://127.0.0.1:3000/api/openapi.json"), {
    params: Promise.resolve({}),
  });
  expect(res.status).toBe(200);
  return res.json();
}

/** Every route.ts under app/api, as "/api/path/{id}" (next-auth's own aside). */
function routeFiles(): string[] {
  const root = path.resolve(__dirname, "../../../app/api");
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) =>
      statSync(path.join(dir, n)).isDirectory() ? walk(path.join(dir, n)) : [path.join(dir, n)],
    );
  return walk(root)
    .filter((f) => f.endsWith("route.ts"))
    .map((f) => `/api/${path.relative(root, path.dirname(f))}`.replace(/\[(\w+)\]/g, "{$1}"))
    .filter((p) => !p.startsWith("/api/auth"));
}

describe("GET /api/openapi.json", () => {
  it("is a valid OpenAPI 3.1 document (checked by @seriousme/openapi-schema-validator)", async () => {
    const doc = await document();
    expect(doc.openapi).toBe("3.1.0");
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 1)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("covers every /api/ route file, and the tests call every documented operation", async () => {
    const doc = await document();
    const documented = Object.keys(doc.paths);
    for (const p of routeFiles()) expect(documented, p).toContain(p);
    const called = new Set([...endpoints.map((e) => e.name), "GET /api/health", "GET /api/ready"]);
    for (const [p, methods] of Object.entries(doc.paths))
      for (const method of Object.keys(methods)) {
        const name = `${method.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ":$1")}`;
        expect(called.has(name), `${name} is not called by the authorization matrix`).toBe(true);
      }
  });

  it("the public health checks answer without credentials", async () => {
    actAs(null);
    for (const route of [await import("@/app/api/health/route"), await import("@/app/api/ready/route")]) {
      const res = await (route.GET as () => Promise<Response>)();
      expect([200, 503]).toContain(res.status);
    }
  });

  it("documents request bodies from the same schemas the routes parse", async () => {
    const doc = await document();
    const post = doc.paths["/api/tokens"].post as {
      requestBody: { content: Record<string, { schema: { properties: Record<string, unknown>; required: string[] } }> };
    };
    const schema = post.requestBody.content["application/json"].schema;
    expect(Object.keys(schema.properties).sort()).toEqual(["expiresAt", "name", "role", "userId"]);
    expect(schema.required.sort()).toEqual(["name", "role"]);
  });
});
