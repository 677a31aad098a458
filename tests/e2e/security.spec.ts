import { expect, test, type APIResponse } from "@playwright/test";
import { SignInPage, uniqueName, withSql } from "@/tests/e2e/fixtures";

function expectSecurityHeaders(res: APIResponse, where: string) {
  const h = res.headers();
  expect(h["content-security-policy"], where).toContain("frame-ancestors 'none'");
  expect(h["content-security-policy"], where).toContain("default-src 'self'");
  expect(h["x-content-type-options"], where).toBe("nosniff");
  expect(h["x-frame-options"], where).toBe("DENY");
  expect(h["x-powered-by"], where).toBeUndefined();
}

test.describe("security", () => {
  test("pages and API routes send CSP (frame-ancestors 'none'), nosniff and X-Frame-Options", async ({ request }) => {
    const page = await request.get("/signin");
    expect(page.status()).toBe(200);
    expectSecurityHeaders(page, "GET /signin");
    const health = await request.get("/api/health");
    expectSecurityHeaders(health, "GET /api/health");
    const refused = await request.get("/api/syncs");
    expectSecurityHeaders(refused, "GET /api/syncs (401)");
  });

  test("anonymous GET /api/syncs is a 401 JSON error, not a page or a redirect", async ({ request }) => {
    const res = await request.get("/api/syncs", { maxRedirects: 0 });
    expect(res.status()).toBe(401);
    expect(res.headers()["content-type"]).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ error: { code: "unauthenticated", message: expect.any(String) } });
  });

  test("the session cookie is HttpOnly and SameSite=Lax", async ({ page, context }) => {
    const answers: string[] = [];
    page.on("response", async (r) => {
      // A response can still arrive while the page closes at the end of the test: ignore it then.
      const set = (await r.headersArray().catch(() => []))
        .filter((h) => h.name.toLowerCase() === "set-cookie")
        .map((h) => h.value);
      answers.push(...set);
    });
    await new SignInPage(page).signInAs("editor");
    const cookie = (await context.cookies()).find((c) => c.name.endsWith("next-auth.session-token"));
    expect(cookie).toBeDefined();
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });
    const raw = answers.find((v) => /next-auth\.session-token=/.test(v));
    expect(raw).toBeDefined();
    expect(raw).toMatch(/;\s*HttpOnly/i);
    expect(raw).toMatch(/;\s*SameSite=Lax/i);
    // The page's scripts cannot read it.
    expect(await page.evaluate(() => document.cookie)).not.toContain("session-token");
  });

  test("a cross-origin POST to a server action is refused by the origin check; the same post from our origin works", async ({
    browser,
    baseURL,
  }) => {
    // Without JavaScript the server-rendered form carries its action reference as hidden fields.
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await new SignInPage(page).signInAs("admin");
    const form = page.getByRole("form", { name: "Create a Contact Manager" });
    const fieldsFor = (name: string): Promise<[string, string][]> =>
      form.evaluate((f, n) => {
        const fd = new FormData(f as HTMLFormElement);
        fd.set("name", n);
        return [...fd.entries()].map(([k, v]) => [k, String(v)] as [string, string]);
      }, name);
    const post = (fields: [string, string][], headers: Record<string, string>) => {
      const body = new FormData();
      for (const [k, v] of fields) body.append(k, v);
      // page.request shares the signed-in admin's cookies, as a browser would send them to a forged form.
      return page.request.post(`${baseURL}/managers`, { multipart: body, headers, maxRedirects: 0 });
    };
    const created = (name: string) =>
      withSql((sql) => sql`select 1 from managers where name = ${name}`).then((r) => r.length);

    const evilForm = uniqueName("Evil form");
    const fields = await fieldsFor(evilForm);
    const actionKey = fields.find(([k]) => k.startsWith("$ACTION"))?.[0];
    expect(actionKey, "the create form posts to a server action").toBeDefined();
    // useActionState forms name their action in "$ACTION_1:0" ({"id": …}); plain ones in "$ACTION_ID_<id>".
    const refValue = fields.find(([k]) => /^\$ACTION_\d+:0$/.test(k))?.[1];
    const actionId = actionKey!.startsWith("$ACTION_ID_")
      ? actionKey!.slice("$ACTION_ID_".length)
      : (JSON.parse(refValue ?? "{}") as { id?: string }).id;
    expect(actionId).toMatch(/^[0-9a-f]{20,}$/);

    // A plain HTML form on another site (no JavaScript).
    const viaForm = await post(fields, { Origin: "http://evil.example" });
    expect(viaForm.status()).toBeGreaterThanOrEqual(400);
    expect(await created(evilForm)).toBe(0);

    // A fetch-style action call (Next-Action header) from another site.
    const evilFetch = uniqueName("Evil fetch");
    const viaFetch = await post(await fieldsFor(evilFetch), {
      Origin: "http://evil.example",
      "Next-Action": actionId!,
    });
    expect(viaFetch.status()).toBeGreaterThanOrEqual(400);
    expect(await created(evilFetch)).toBe(0);

    // Control: the very same request from our own origin is accepted, so the refusals above are the origin check.
    const ours = uniqueName("Own origin");
    const own = await post(await fieldsFor(ours), { Origin: baseURL! });
    expect(own.status()).toBeLessThan(400);
    expect(await created(ours)).toBe(1);
    await context.close();
  });
});
