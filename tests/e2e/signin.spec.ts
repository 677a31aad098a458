import { expect, test } from "@playwright/test";
import { credentials, SignInPage, uniqueName } from "@/tests/e2e/fixtures";

test.describe("sign-in", () => {
  test("an admin signs in through the page and creates a Contact Manager", async ({ page, context }) => {
    await page.goto("/managers");
    await expect(page).toHaveURL(/\/signin\?next=%2Fmanagers$/); // anonymous → sign-in page, which remembers the page
    await new SignInPage(page).signInAs("admin");

    const cookie = (await context.cookies()).find((c) => c.name.endsWith("next-auth.session-token"));
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe("Lax");

    const name = uniqueName("Members");
    await page.getByRole("textbox", { name: "Name", exact: true }).fill(name);
    await page.getByRole("textbox", { name: "Label", exact: true }).fill("Member ID");
    await page.getByLabel("Field 1 label").fill("Team");
    await page.getByRole("button", { name: "Create Contact Manager" }).click();

    await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
    await expect(page.getByRole("main").getByRole("status")).toHaveText("Contact Manager created.");
    const fields = page.locator("#fields table");
    await expect(fields).toContainText("Member ID");
    await expect(fields).toContainText("Team");
    await expect(page.getByRole("link", { name: "Import", exact: true })).toHaveAttribute("href", /\/imports$/);

    // Add a field on the settings page, then see it listed.
    await page.getByRole("link", { name: "Fields and name" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Fields and name" })).toBeVisible();
    await page.getByRole("form", { name: "Add a field" }).getByLabel("Label").fill("Department");
    await page.getByRole("button", { name: "Add field" }).click();
    await expect(page.getByRole("main").getByRole("status")).toHaveText("Field added.");
    await expect(fields).toContainText("Department");
    await page.getByRole("form", { name: "Rename the Contact Manager" }).getByLabel("Name").fill(`${name} renamed`);
    await page.getByRole("button", { name: "Rename" }).click();
    await expect(page.getByRole("main").getByRole("status")).toHaveText("Contact Manager renamed.");
    await page.getByRole("link", { name: `${name} renamed` }).click();
    await expect(page.getByRole("heading", { level: 1, name: `${name} renamed` })).toBeVisible();
    await expect(page.locator("#fields table")).toContainText("Department");

    // Sign out.
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page.getByText("You are signed out.")).toBeVisible();
    await expect(page).toHaveURL(/\/signin$/);
    await page.goto("/managers");
    await expect(page).toHaveURL(/\/signin\?next=%2Fmanagers$/);
  });

  test("a link opened while signed out leads back to its page after sign-in", async ({ page }) => {
    await page.goto("/imports?after=x");
    await expect(page).toHaveURL(/\/signin\?next=%2Fimports%3Fafter%3Dx$/);
    const { email, password } = credentials("viewer");
    await new SignInPage(page).signIn(email, password);
    await expect(page).toHaveURL(/\/imports\?after=x$/);
    // Signed in, the sign-in page itself sends the visitor on to the remembered page too.
    await page.goto("/signin?next=%2Faccount");
    await expect(page).toHaveURL(/\/account$/);
    // A next that points off the site is ignored.
    await page.goto("/signin?next=%2F%2Fevil.example");
    await expect(page).toHaveURL(/\/managers$/);
  });

  test("a wrong password gets a clear message and keeps the email", async ({ page }) => {
    const signIn = new SignInPage(page);
    await signIn.goto();
    await signIn.signIn(credentials("editor").email, "not-the-password");
    await expect(page.getByRole("main").getByRole("alert")).toHaveText("Wrong email or password.");
    await expect(page.getByLabel("Email")).toHaveValue(credentials("editor").email);
    await expect(page.getByLabel("Password")).toHaveValue("");
  });

  test("repeated failures lock the account with a clear message", async ({ page }) => {
    const { email, password } = credentials("locked");
    const signIn = new SignInPage(page);
    await signIn.goto();
    for (let i = 0; i < 5; i++) {
      await signIn.signIn(email, `wrong-${i}`);
      await expect(page.getByRole("main").getByRole("alert")).toHaveText("Wrong email or password.");
    }
    await signIn.signIn(email, password); // even the right password now waits
    await expect(page.getByRole("main").getByRole("alert")).toContainText("Too many failed sign-in attempts");
    await expect(page.getByRole("main").getByRole("alert")).toContainText("15 minutes");
  });
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("sign-in, a validation error and creating a manager all work with plain HTML forms", async ({ page }) => {
    const { email, password } = credentials("editor");
    await page.goto("/signin");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("wrong-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("main").getByRole("alert")).toHaveText("Wrong email or password.");

    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/managers$/);
    await expect(page.getByRole("heading", { level: 1, name: "Contact Managers" })).toBeVisible();

    // Empty name: the server answers with the form and its error.
    await page.getByRole("button", { name: "Create Contact Manager" }).click();
    await expect(page.getByRole("form", { name: "Create a Contact Manager" }).getByRole("alert")).toContainText(
      "Enter a name.",
    );

    const name = uniqueName("NoJS");
    await page.getByRole("textbox", { name: "Name", exact: true }).fill(name);
    await page.getByRole("button", { name: "Create Contact Manager" }).click();
    await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();

    // Delete through the confirmation page (typed name), still without JavaScript.
    await page.getByRole("link", { name: "Delete…" }).click();
    await page.getByLabel(/Type the Contact Manager's name/).fill("not the name");
    await page.getByRole("button", { name: "Delete Contact Manager" }).click();
    await expect(page.getByRole("main").getByRole("alert")).toContainText("does not match");
    await page.getByLabel(/Type the Contact Manager's name/).fill(name);
    await page.getByRole("button", { name: "Delete Contact Manager" }).click();
    // Without JavaScript the notice's code stays in the address (nothing removes it).
    await expect(page).toHaveURL(/\/managers\?notice=manager_deleted$/);
    await expect(page.getByRole("link", { name })).toHaveCount(0);
  });
});

test.describe("next-auth endpoints", () => {
  test("a program signs in through /api/auth/callback/credentials and uses the JSON API", async ({
    playwright,
    baseURL,
  }) => {
    const api = await playwright.request.newContext({ baseURL });
    const { csrfToken } = await (await api.get("/api/auth/csrf")).json();
    expect(typeof csrfToken).toBe("string");

    const wrong = await api.post("/api/auth/callback/credentials", {
      form: { csrfToken, email: credentials("viewer").email, password: "wrong", json: "true" },
    });
    expect((await wrong.json()).url).toContain("error=invalid");
    expect((await api.get("/api/managers")).status()).toBe(401);

    const ok = await api.post("/api/auth/callback/credentials", {
      form: { csrfToken, ...credentials("viewer"), json: "true" },
    });
    expect(ok.status()).toBe(200);
    const res = await api.get("/api/managers");
    expect(res.status()).toBe(200);
    expect(Array.isArray((await res.json()).managers)).toBe(true);
    const session = await (await api.get("/api/auth/session")).json();
    expect(session.user.email).toBe(credentials("viewer").email);
    expect(JSON.stringify(session)).not.toMatch(/pv|password/i);
    await api.dispose();
  });
});
