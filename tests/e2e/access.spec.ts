import { expect, test, type APIRequestContext, type Browser } from "@playwright/test";
import { SignInPage, uniqueName, withSql, type Who } from "@/tests/e2e/fixtures";

async function signedInPage(browser: Browser, who: Who) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await new SignInPage(page).signInAs(who);
  return { context, page };
}

test.describe("roles", () => {
  test("a viewer sees read-only pages, and a forged POST to an action is refused", async ({ browser, baseURL }) => {
    // An admin makes a manager and captures the create form as the browser would post it (action id included).
    const admin = await signedInPage(browser, "admin");
    const managerName = uniqueName("Viewer check");
    await admin.page.getByRole("textbox", { name: "Name", exact: true }).fill(managerName);
    await admin.page.getByRole("button", { name: "Create Contact Manager" }).click();
    await expect(admin.page.getByRole("heading", { level: 1, name: managerName })).toBeVisible();
    const managerUrl = admin.page.url();
    await admin.page.goto("/managers");
    const forgedName = uniqueName("Forged");
    const formFields: [string, string][] = await admin.page
      .getByRole("form", { name: "Create a Contact Manager" })
      .evaluate((form, n) => {
        const fd = new FormData(form as HTMLFormElement);
        fd.set("name", n);
        return [...fd.entries()].map(([k, v]) => [k, String(v)] as [string, string]);
      }, forgedName);
    expect(formFields.some(([k]) => k.startsWith("$ACTION"))).toBe(true);

    const viewer = await signedInPage(browser, "viewer");
    const { page } = viewer;
    await expect(page.getByRole("heading", { level: 1, name: "Contact Managers" })).toBeVisible();
    await expect(page.getByRole("form", { name: "Create a Contact Manager" })).toHaveCount(0);
    await expect(page.getByRole("link", { name: "Admin" })).toHaveCount(0);
    await page.goto(managerUrl);
    await expect(page.getByRole("heading", { level: 1, name: managerName })).toBeVisible();
    await expect(page.getByRole("main").locator('form:not([role="search"])')).toHaveCount(0); // only the GET search form
    await expect(page.getByRole("link", { name: "Delete…" })).toHaveCount(0);

    // The viewer replays the admin's form post: the action itself refuses it (and the page says so).
    const replay = async (ctx: { request: APIRequestContext }) => {
      const forged = new FormData();
      for (const [k, v] of formFields) forged.append(k, v);
      return ctx.request.post(`${baseURL}/managers`, {
        multipart: forged,
        headers: { Origin: baseURL! },
        maxRedirects: 0,
      });
    };
    const viewerAnswer = await replay(page);
    expect(viewerAnswer.status()).toBe(200);
    expect(await viewerAnswer.text()).toContain("Your role does not allow this change.");
    // Anonymous replay: the action refuses it, then the page sends the browser to sign in (303: a GET, no re-post).
    const anon = await browser.newContext();
    const anonAnswer = await replay(anon);
    expect(anonAnswer.status()).toBe(303);
    expect(anonAnswer.headers().location).toBe("/signin");
    expect(await anonAnswer.text()).toContain("Your session has ended");
    const created = await withSql((sql) => sql`select 1 from managers where name = ${forgedName}`);
    expect(created.length).toBe(0);

    // Admin pages answer 403 to a viewer, and the JSON API 401 to anonymous.
    const adminPage = await page.goto("/admin/users");
    expect(adminPage?.status()).toBe(403);
    await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
    const api = await anon.request.get(`${baseURL}/api/managers`);
    expect(api.status()).toBe(401);
    expect(await api.json()).toEqual({ error: { code: "unauthenticated", message: "Sign in first." } });

    await Promise.all([admin.context.close(), viewer.context.close(), anon.close()]);
  });

  test("an admin adds a user, who can then sign in; a disabled user's session ends at once", async ({ browser }) => {
    const admin = await signedInPage(browser, "admin");
    await admin.page.goto("/admin/users");
    const email = `${uniqueName("staff").replace(" ", "-")}@example.test`;
    const form = admin.page.getByRole("form", { name: "Add a user" });
    await form.getByLabel("Email").fill(email);
    await form.getByLabel("Name").fill("New Staff");
    await form.getByLabel("Role").selectOption("editor");
    await form.getByLabel("Initial password").fill("initial-password-1");
    await form.getByRole("button", { name: "Add user" }).click();
    await expect(admin.page.getByRole("main").getByRole("status")).toHaveText("User added.");
    // The list opens on the new user, wherever they sort among the staff.
    await expect(admin.page.getByRole("searchbox", { name: "Email or name contains" })).toHaveValue(email);
    await expect(admin.page.getByRole("row").filter({ hasText: email })).toBeVisible();

    const context = await browser.newContext();
    const page = await context.newPage();
    const signIn = new SignInPage(page);
    await signIn.goto();
    await signIn.signIn(email, "initial-password-1");
    await expect(page).toHaveURL(/\/managers$/);
    await expect(page.getByRole("form", { name: "Create a Contact Manager" })).toBeVisible();

    // Disable them: their open session stops working on the next request.
    const row = admin.page.getByRole("row").filter({ hasText: email });
    await row.getByRole("button", { name: "Disable" }).click();
    await expect(admin.page.getByRole("main").getByRole("status")).toHaveText("User updated.");
    await expect(row.getByRole("button", { name: "Enable" })).toBeVisible();
    await page.goto("/managers");
    await expect(page).toHaveURL(/\/signin$/);
    await signIn.signIn(email, "initial-password-1");
    await expect(page.getByRole("main").getByRole("alert")).toContainText("disabled");

    // The audit log shows both changes.
    await admin.page.goto("/admin/audit");
    await expect(admin.page.getByRole("row").filter({ hasText: "user.disable" }).first()).toBeVisible();
    await expect(admin.page.getByRole("row").filter({ hasText: "user.create" }).first()).toBeVisible();
    await Promise.all([admin.context.close(), context.close()]);
  });

  test("Admin > Users shows 50 staff a page, searchable by email or name", async ({ browser }) => {
    const tag = uniqueName("crowd").replace(/\W/g, "");
    await withSql(
      (sql) => sql`insert into users (email, name, role, password_hash)
        select ${tag} || '-' || lpad(n::text, 3, '0') || '@example.test', 'Crowd ' || n, 'viewer', 'x'
        from generate_series(1, 60) n`,
    );
    const admin = await signedInPage(browser, "admin");
    await admin.page.goto("/admin/users");
    const search = admin.page.getByRole("search", { name: "Search users" });
    await search.getByRole("searchbox", { name: "Email or name contains" }).fill(tag);
    await search.getByRole("button", { name: "Search" }).click();
    await expect(admin.page.getByText("60 users match this search.")).toBeVisible();
    await expect(admin.page.getByRole("row").filter({ hasText: tag })).toHaveCount(50);
    await admin.page.getByRole("link", { name: "Next ›" }).click();
    await expect(admin.page.getByText("Page 2 of 2")).toBeVisible();
    await expect(admin.page.getByRole("row").filter({ hasText: tag })).toHaveCount(10);
    await expect(admin.page.getByRole("row").filter({ hasText: `${tag}-060@` })).toBeVisible();
    await admin.context.close();
  });
});
