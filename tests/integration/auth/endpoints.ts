import type { Db } from "@/db/client";
import { syncs, type Role } from "@/db/schema";
import { createManager } from "@/lib/managers/queries";
import { uniqueName } from "@/tests/support/db";
import { callAction, callRoute, createTestUser, type Outcome } from "@/tests/integration/auth/helpers";
import * as managerActions from "@/app/managers/actions";
import * as userActions from "@/app/admin/users/actions";
import * as accountActions from "@/app/account/actions";
import * as managersRoute from "@/app/api/managers/route";
import { Readable } from "node:stream";
import { storeUpload } from "@/lib/sources/upload";
import * as wizardActions from "@/app/managers/[id]/imports/[syncId]/edit/actions";
import * as uploadsRoute from "@/app/api/uploads/route";
import * as tokensRoute from "@/app/api/tokens/route";
import * as tokenRoute from "@/app/api/tokens/[id]/route";
import * as tokenActions from "@/app/admin/tokens/actions";
import { createApiToken } from "@/lib/auth/api-tokens";
import * as webhooksRoute from "@/app/api/webhooks/route";
import * as webhookRoute from "@/app/api/webhooks/[id]/route";
import * as deliveriesRoute from "@/app/api/webhooks/[id]/deliveries/route";
import * as webhookActions from "@/app/admin/webhooks/actions";
import { createWebhook } from "@/lib/notify/webhooks";
import * as importActions from "@/app/imports/actions";
import * as managerRoute from "@/app/api/managers/[id]/route";
import * as fieldsRoute from "@/app/api/managers/[id]/fields/route";
import * as contactsRoute from "@/app/api/managers/[id]/contacts/route";
import * as exportRoute from "@/app/api/managers/[id]/export/route";
import * as syncsRoute from "@/app/api/syncs/route";
import * as syncRoute from "@/app/api/syncs/[id]/route";
import * as statusRoute from "@/app/api/syncs/[id]/status/route";
import * as runRoute from "@/app/api/syncs/[id]/run/route";
import * as pushRoute from "@/app/api/syncs/[id]/upload/route";
import * as syncRunsRoute from "@/app/api/syncs/[id]/runs/route";
import * as runDetailRoute from "@/app/api/runs/[id]/route";
import * as runErrorsRoute from "@/app/api/runs/[id]/errors/route";
import * as approveRoute from "@/app/api/runs/[id]/approve/route";
import * as revertRoute from "@/app/api/runs/[id]/revert/route";
import * as openapiRoute from "@/app/api/openapi.json/route";
import { makeRun, makeSync } from "@/tests/integration/runs/fixtures";
import { recordRun } from "@/tests/integration/runs/contact-fixtures";
import * as reviewActions from "@/app/managers/[id]/imports/[syncId]/review/actions";
import { reloadEnv } from "@/lib/env";

/**
 * Every server action and route handler, with the least role it needs. The matrix test calls each one as
 * anonymous, viewer, editor and admin: below the role it must be refused (401/403 or the action's
 * "unauthenticated"/"forbidden" state) and change nothing; from the role up it must succeed.
 *
 * Other helpers: add your actions and route handlers here. `call` receives the acting user and must build
 * fresh data for itself (it runs once per role), then call the endpoint exactly once.
 *
 * Not listed, on purpose: the public sign-in / sign-out actions (app/_actions/session.ts; need a Next
 * request for cookies; covered by tests/e2e), next-auth's /api/auth/* and GET /api/health (public).
 */
export type Endpoint = {
  name: string;
  minRole: Role;
  call: (ctx: { db: Db; actor: { id: string; password: string } }) => Promise<Outcome>;
};

const base = "http://127.0.0.1:3000";
const manager = (db: Db) => createManager(db, { name: uniqueName("matrix") });

export const endpoints: Endpoint[] = [
  // Contact Managers (app/managers/actions.ts)
  {
    name: "action createManager",
    minRole: "editor",
    call: async () =>
      callAction(managerActions.createManagerAction, {
        name: uniqueName("created"),
        keyLabel: "Member ID",
        keyType: "text",
        fieldLabel: ["Team", ""],
        fieldType: ["text", "text"],
      }),
  },
  {
    name: "action renameManager",
    minRole: "editor",
    call: async ({ db }) =>
      callAction(managerActions.renameManagerAction, { id: (await manager(db)).id, name: uniqueName("renamed") }),
  },
  {
    name: "action deleteManager",
    minRole: "editor",
    call: async ({ db }) => {
      const m = await manager(db);
      return callAction(managerActions.deleteManagerAction, { id: m.id, confirmName: m.name });
    },
  },
  {
    name: "action addField",
    minRole: "editor",
    call: async ({ db }) =>
      callAction(managerActions.addFieldAction, {
        managerId: (await manager(db)).id,
        label: "Department",
        type: "text",
      }),
  },
  {
    name: "action updateKeyField",
    minRole: "editor",
    call: async ({ db }) =>
      callAction(managerActions.updateKeyFieldAction, {
        managerId: (await manager(db)).id,
        label: "Employee No",
        type: "number",
      }),
  },
  // Staff administration (app/admin/users/actions.ts)
  {
    name: "action createUser",
    minRole: "admin",
    call: async () =>
      callAction(userActions.createUserAction, {
        email: `${uniqueName("new")}@example.test`,
        name: "New",
        role: "viewer",
        password: "long-enough-pw",
      }),
  },
  {
    name: "action setRole",
    minRole: "admin",
    call: async ({ db }) =>
      callAction(userActions.setRoleAction, { userId: (await createTestUser(db, "viewer")).id, role: "editor" }),
  },
  {
    name: "action setDisabled",
    minRole: "admin",
    call: async ({ db }) =>
      callAction(userActions.setDisabledAction, { userId: (await createTestUser(db, "viewer")).id, disabled: "true" }),
  },
  {
    name: "action resetPassword",
    minRole: "admin",
    call: async ({ db }) =>
      callAction(userActions.resetPasswordAction, {
        userId: (await createTestUser(db, "viewer")).id,
        password: "another-long-pw",
      }),
  },
  // Own account (app/account/actions.ts)
  {
    name: "action changePassword",
    minRole: "viewer",
    call: async ({ actor }) =>
      callAction(accountActions.changePasswordAction, {
        currentPassword: actor.password,
        newPassword: "changed-password-1",
        confirmPassword: "changed-password-1",
      }),
  },
  // Route handlers
  {
    name: "GET /api/managers",
    minRole: "viewer",
    call: async () => callRoute(managersRoute.GET, new Request(`${base}/api/managers?limit=5`)),
  },
  // Import wizard (app/managers/[id]/imports/[syncId]/edit/actions.ts, app/api/uploads)
  {
    name: "action wizard saveSource",
    minRole: "editor",
    call: async ({ db, actor }) => {
      const file = await storeUpload(db, Readable.from([Buffer.from("Email\na@example.org\n")]), {
        filename: "m.csv",
        maxBytes: 1 << 20,
        createdBy: actor.id || null,
      });
      return callAction(wizardActions.saveSourceAction, {
        managerId: (await manager(db)).id,
        syncId: "",
        sourceType: "upload",
        uploadId: file.id,
        hasHeader: "on",
        delimiter: "comma",
        encoding: "auto",
      });
    },
  },
  {
    name: "action wizard discardEdit",
    minRole: "editor",
    call: async ({ db }) => {
      const m = await manager(db);
      const now = new Date().toISOString();
      const [sync] = await db
        .insert(syncs)
        .values({
          managerId: m.id,
          name: "Live",
          state: "active",
          sourceKind: "upload",
          pendingEdit: { startedAt: now, savedAt: now, name: "Edited" },
        })
        .returning();
      return callAction(wizardActions.discardEditAction, { managerId: m.id, syncId: sync.id });
    },
  },
  {
    name: "action review startGoReview",
    minRole: "editor",
    call: async ({ db }) => {
      const m = await manager(db);
      const [sync] = await db
        .insert(syncs)
        .values({
          managerId: m.id,
          name: "Feed",
          state: "active",
          wizardStep: 5,
          sourceKind: "http",
          location: "http://127.0.0.1:9/feed.csv",
          deleteMissing: true,
          mapping: { columns: [], keyColumn: "Email", autoKey: false },
        })
        .returning();
      return callAction(reviewActions.startGoReviewAction, { managerId: m.id, syncId: sync.id, from: "go" });
    },
  },
  {
    name: "action review runAfterReview",
    minRole: "editor",
    call: async ({ db }) => {
      const m = await manager(db);
      const [sync] = await db
        .insert(syncs)
        .values({
          managerId: m.id,
          name: "Feed",
          state: "active",
          wizardStep: 5,
          sourceKind: "http",
          location: "http://127.0.0.1:9/feed.csv",
          mapping: { columns: [], keyColumn: "Email", autoKey: false },
        })
        .returning();
      return callAction(reviewActions.runAfterReviewAction, { managerId: m.id, syncId: sync.id, from: "go" });
    },
  },
  {
    name: "action imports deleteDrafts",
    minRole: "editor",
    call: async ({ db }) => {
      const m = await manager(db);
      const [draft] = await db
        .insert(syncs)
        .values({ managerId: m.id, name: "Unfinished", state: "draft", wizardStep: 2 })
        .returning();
      return callAction(importActions.deleteDraftsAction, { syncIds: [draft.id], returnTo: "/imports" });
    },
  },
  {
    name: "POST /api/uploads",
    minRole: "editor",
    call: async () =>
      callRoute(
        uploadsRoute.POST,
        new Request(`${base}/api/uploads`, {
          method: "POST",
          body: "Email\na@example.org\n",
          headers: { "content-type": "application/octet-stream", "x-filename": "m.csv" },
        }),
      ),
  },
  // API tokens (app/api/tokens, app/admin/tokens)
  {
    name: "GET /api/tokens",
    minRole: "admin",
    call: async () => callRoute(tokensRoute.GET, new Request(`${base}/api/tokens`)),
  },
  {
    name: "POST /api/tokens",
    minRole: "admin",
    call: async () =>
      callRoute(
        tokensRoute.POST,
        new Request(`${base}/api/tokens`, { method: "POST", body: JSON.stringify({ name: "matrix", role: "viewer" }) }),
      ),
  },
  {
    name: "DELETE /api/tokens/:id",
    minRole: "admin",
    call: async ({ db }) => {
      const owner = await createTestUser(db, "viewer");
      const t = await createApiToken(db, { name: "victim", role: "viewer", userId: owner.id, creator: null });
      return callRoute(tokenRoute.DELETE, new Request(`${base}/api/tokens/${t.id}`, { method: "DELETE" }), {
        id: t.id,
      });
    },
  },
  {
    name: "action createToken",
    minRole: "admin",
    call: async () => callAction(tokenActions.createTokenAction, { name: "matrix", role: "viewer", expiresAt: "" }),
  },
  {
    name: "action revokeToken",
    minRole: "admin",
    call: async ({ db }) => {
      const owner = await createTestUser(db, "viewer");
      const t = await createApiToken(db, { name: "victim", role: "viewer", userId: owner.id, creator: null });
      return callAction(tokenActions.revokeTokenAction, { id: t.id });
    },
  },
  // Webhooks (app/api/webhooks, app/admin/webhooks): a literal public address, as no name resolves offline.
  {
    name: "GET /api/webhooks",
    minRole: "admin",
    call: async () => callRoute(webhooksRoute.GET, new Request(`${base}/api/webhooks`)),
  },
  {
    name: "POST /api/webhooks",
    minRole: "admin",
    call: async ({ db }) =>
      callRoute(
        webhooksRoute.POST,
        new Request(`${base}/api/webhooks`, {
          method: "POST",
          body: JSON.stringify({ url: hookUrl, events: ["run.failed"], syncIds: [await hookSync(db)] }),
        }),
      ),
  },
  {
    name: "DELETE /api/webhooks/:id",
    minRole: "admin",
    call: async ({ db }) => {
      const id = await someWebhook(db);
      return callRoute(webhookRoute.DELETE, new Request(`${base}/api/webhooks/${id}`, { method: "DELETE" }), { id });
    },
  },
  {
    name: "GET /api/webhooks/:id/deliveries",
    minRole: "admin",
    call: async ({ db }) => {
      const id = await someWebhook(db);
      return callRoute(deliveriesRoute.GET, new Request(`${base}/api/webhooks/${id}/deliveries`), { id });
    },
  },
  {
    name: "action createWebhook",
    minRole: "admin",
    call: async ({ db }) =>
      callAction(webhookActions.createWebhookAction, {
        url: hookUrl,
        events: ["run.failed"],
        syncIds: await hookSync(db),
      }),
  },
  {
    name: "action deleteWebhook",
    minRole: "admin",
    call: async ({ db }) => callAction(webhookActions.deleteWebhookAction, { id: await someWebhook(db) }),
  },
  // The JSON API of managers, syncs and runs
  {
    name: "POST /api/managers",
    minRole: "editor",
    call: async () =>
      callRoute(
        managersRoute.POST,
        jsonRequest("POST", "/api/managers", { name: uniqueName("api"), fields: [{ label: "Team" }] }),
      ),
  },
  {
    name: "GET /api/managers/:id",
    minRole: "viewer",
    call: async ({ db }) => {
      const id = (await manager(db)).id;
      return callRoute(managerRoute.GET, new Request(`${base}/api/managers/${id}`), { id });
    },
  },
  {
    name: "PATCH /api/managers/:id",
    minRole: "editor",
    call: async ({ db }) => {
      const id = (await manager(db)).id;
      return callRoute(
        managerRoute.PATCH,
        jsonRequest("PATCH", `/api/managers/${id}`, { name: uniqueName("renamed") }),
        { id },
      );
    },
  },
  {
    name: "DELETE /api/managers/:id",
    minRole: "editor",
    call: async ({ db }) => {
      const id = (await manager(db)).id;
      return callRoute(managerRoute.DELETE, new Request(`${base}/api/managers/${id}`, { method: "DELETE" }), { id });
    },
  },
  {
    name: "POST /api/managers/:id/fields",
    minRole: "editor",
    call: async ({ db }) => {
      const id = (await manager(db)).id;
      return callRoute(
        fieldsRoute.POST,
        jsonRequest("POST", `/api/managers/${id}/fields`, { label: "Dept", type: "text" }),
        { id },
      );
    },
  },
  {
    name: "GET /api/managers/:id/contacts",
    minRole: "viewer",
    call: async ({ db }) => {
      const id = (await manager(db)).id;
      return callRoute(contactsRoute.GET, new Request(`${base}/api/managers/${id}/contacts?limit=10`), { id });
    },
  },
  {
    name: "GET /api/managers/:id/export",
    minRole: "viewer",
    call: async ({ db }) => {
      const id = (await manager(db)).id;
      return callRoute(exportRoute.GET, new Request(`${base}/api/managers/${id}/export?format=csv`), { id });
    },
  },
  {
    name: "GET /api/syncs",
    minRole: "viewer",
    call: async () => callRoute(syncsRoute.GET, new Request(`${base}/api/syncs?limit=5`)),
  },
  {
    name: "POST /api/syncs",
    minRole: "editor",
    call: async ({ db }) =>
      callRoute(
        syncsRoute.POST,
        jsonRequest("POST", "/api/syncs", {
          managerId: (await manager(db)).id,
          name: "Matrix feed",
          source: { kind: "upload" },
          mapping: { keyColumn: "Email", columns: [{ column: "Email", field: "Email" }] },
        }),
      ),
  },
  {
    name: "GET /api/syncs/:id",
    minRole: "viewer",
    call: async ({ db }) => {
      const id = (await makeSync(db, (await manager(db)).id)).id;
      return callRoute(syncRoute.GET, new Request(`${base}/api/syncs/${id}?format=definition`), { id });
    },
  },
  {
    name: "PATCH /api/syncs/:id",
    minRole: "editor",
    call: async ({ db }) => {
      const id = (await makeSync(db, (await manager(db)).id, { sourceKind: "upload", location: null })).id;
      return callRoute(syncRoute.PATCH, jsonRequest("PATCH", `/api/syncs/${id}`, { name: "Renamed feed" }), { id });
    },
  },
  {
    name: "DELETE /api/syncs/:id",
    minRole: "editor",
    call: async ({ db }) => {
      const id = (await makeSync(db, (await manager(db)).id)).id;
      return callRoute(syncRoute.DELETE, new Request(`${base}/api/syncs/${id}`, { method: "DELETE" }), { id });
    },
  },
  {
    name: "GET /api/syncs/:id/status",
    minRole: "viewer",
    call: async ({ db }) => {
      const id = (await makeSync(db, (await manager(db)).id)).id;
      return callRoute(statusRoute.GET, new Request(`${base}/api/syncs/${id}/status`), { id });
    },
  },
  {
    name: "POST /api/syncs/:id/run",
    minRole: "editor",
    call: async ({ db }) => {
      const id = (await makeSync(db, (await manager(db)).id)).id;
      return callRoute(runRoute.POST, jsonRequest("POST", `/api/syncs/${id}/run`, { dryRun: true }), { id });
    },
  },
  {
    name: "POST /api/syncs/:id/upload",
    minRole: "editor",
    call: async ({ db }) => {
      const id = (await makeSync(db, (await manager(db)).id, { sourceKind: "upload", location: null })).id;
      return callRoute(
        pushRoute.POST,
        new Request(`${base}/api/syncs/${id}/upload`, {
          method: "POST",
          body: "Email\na@example.org\n",
          headers: { "content-type": "text/csv", "x-filename": "push.csv" },
        }),
        { id },
      );
    },
  },
  {
    name: "GET /api/syncs/:id/runs",
    minRole: "viewer",
    call: async ({ db }) => {
      const id = (await makeSync(db, (await manager(db)).id)).id;
      await makeRun(db, id);
      return callRoute(syncRunsRoute.GET, new Request(`${base}/api/syncs/${id}/runs`), { id });
    },
  },
  {
    name: "GET /api/runs/:id",
    minRole: "viewer",
    call: async ({ db }) => {
      const id = (await makeRun(db, (await makeSync(db, (await manager(db)).id)).id)).id;
      return callRoute(runDetailRoute.GET, new Request(`${base}/api/runs/${id}`), { id });
    },
  },
  {
    name: "GET /api/runs/:id/errors",
    minRole: "viewer",
    call: async ({ db }) => {
      const id = (await makeRun(db, (await makeSync(db, (await manager(db)).id)).id)).id;
      return callRoute(runErrorsRoute.GET, new Request(`${base}/api/runs/${id}/errors`), { id });
    },
  },
  {
    name: "POST /api/runs/:id/approve",
    minRole: "editor",
    call: async ({ db }) => {
      const id = (await makeRun(db, (await makeSync(db, (await manager(db)).id)).id, { status: "blocked" })).id;
      return callRoute(approveRoute.POST, new Request(`${base}/api/runs/${id}/approve`, { method: "POST" }), { id });
    },
  },
  {
    name: "POST /api/runs/:id/revert",
    minRole: "editor",
    call: async ({ db }) => {
      const m = await manager(db);
      const sync = await makeSync(db, m.id);
      const { id } = await recordRun(db, sync.id, m.id, { create: [{ key: "ann", data: {} }] });
      return callRoute(revertRoute.POST, new Request(`${base}/api/runs/${id}/revert`, { method: "POST" }), { id });
    },
  },
  {
    name: "GET /api/openapi.json",
    minRole: "viewer",
    call: async () => callRoute(openapiRoute.GET, new Request(`${base}/api/openapi.json`)),
  },
];

// A loopback address on a port where nothing listens: a delivery that some later process (the e2e server shares
// the test database) attempts is refused on this machine and never leaves it. The SSRF guard lets it through
// only because these tests allow private hosts.
const hookUrl = "http://127.0.0.1:65534/contact-sync-hook";
process.env.ALLOW_PRIVATE_HOSTS = "true";
reloadEnv();

function jsonRequest(method: string, path: string, body: unknown): Request {
  return new Request(`${base}${path}`, {
    method,
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
}

async function someWebhook(db: Db): Promise<string> {
  const admin = await createTestUser(db, "admin");
  return (await createWebhook(db, { url: hookUrl, events: ["run.failed"], syncIds: [await hookSync(db)] }, admin)).id;
}

/** The matrix's webhooks watch a sync of their own: one watching every sync would catch other tests' runs. */
async function hookSync(db: Db): Promise<string> {
  return (await makeSync(db, (await manager(db)).id)).id;
}
