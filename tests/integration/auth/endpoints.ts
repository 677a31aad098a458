import type { Db } from "@/db/client";
import { syncs, type Role } from "@/db/schema";
import { createManager } from "@/lib/managers/queries";
import { uniqueName } from "../../support/db";
import { callAction, callRoute, createTestUser, type Outcome } from "./helpers";
import * as managerActions from "@/app/managers/actions";
import * as userActions from "@/app/admin/users/actions";
import * as accountActions from "@/app/account/actions";
import * as managersRoute from "@/app/api/managers/route";
import { Readable } from "node:stream";
import { storeUpload } from "@/lib/sources/upload";
import * as wizardActions from "@/app/managers/[id]/imports/[syncId]/edit/actions";
import * as uploadsRoute from "@/app/api/uploads/route";

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
    call: async () => callAction(managerActions.createManagerAction, { name: uniqueName("created"), keyLabel: "Member ID", keyType: "text", fieldLabel: ["Team", ""], fieldType: ["text", "text"] }),
  },
  {
    name: "action renameManager",
    minRole: "editor",
    call: async ({ db }) => callAction(managerActions.renameManagerAction, { id: (await manager(db)).id, name: uniqueName("renamed") }),
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
    call: async ({ db }) => callAction(managerActions.addFieldAction, { managerId: (await manager(db)).id, label: "Department", type: "text" }),
  },
  {
    name: "action updateKeyField",
    minRole: "editor",
    call: async ({ db }) => callAction(managerActions.updateKeyFieldAction, { managerId: (await manager(db)).id, label: "Employee No", type: "number" }),
  },
  // Staff administration (app/admin/users/actions.ts)
  {
    name: "action createUser",
    minRole: "admin",
    call: async () => callAction(userActions.createUserAction, { email: `${uniqueName("new")}@example.test`, name: "New", role: "viewer", password: "long-enough-pw" }),
  },
  {
    name: "action setRole",
    minRole: "admin",
    call: async ({ db }) => callAction(userActions.setRoleAction, { userId: (await createTestUser(db, "viewer")).id, role: "editor" }),
  },
  {
    name: "action setDisabled",
    minRole: "admin",
    call: async ({ db }) => callAction(userActions.setDisabledAction, { userId: (await createTestUser(db, "viewer")).id, disabled: "true" }),
  },
  {
    name: "action resetPassword",
    minRole: "admin",
    call: async ({ db }) => callAction(userActions.resetPasswordAction, { userId: (await createTestUser(db, "viewer")).id, password: "another-long-pw" }),
  },
  // Own account (app/account/actions.ts)
  {
    name: "action changePassword",
    minRole: "viewer",
    call: async ({ actor }) => callAction(accountActions.changePasswordAction, { currentPassword: actor.password, newPassword: "changed-password-1", confirmPassword: "changed-password-1" }),
  },
  // Route handlers
  {
    name: "GET /api/managers",
    minRole: "viewer",
    call: async () => callRoute(managersRoute.GET, new Request(`${base}/api/managers`)),
  },
  // Import wizard (app/managers/[id]/imports/[syncId]/edit/actions.ts, app/api/uploads)
  {
    name: "action wizard saveSource",
    minRole: "editor",
    call: async ({ db, actor }) => {
      const file = await storeUpload(db, Readable.from([Buffer.from("Email\na@example.org\n")]), { filename: "m.csv", maxBytes: 1 << 20, createdBy: actor.id || null });
      return callAction(wizardActions.saveSourceAction, { managerId: (await manager(db)).id, syncId: "", sourceType: "upload", uploadId: file.id, hasHeader: "on", delimiter: "comma", encoding: "auto" });
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
        .values({ managerId: m.id, name: "Live", state: "active", sourceKind: "upload", pendingEdit: { startedAt: now, savedAt: now, name: "Edited" } })
        .returning();
      return callAction(wizardActions.discardEditAction, { managerId: m.id, syncId: sync.id });
    },
  },
  {
    name: "POST /api/uploads",
    minRole: "editor",
    call: async () =>
      callRoute(uploadsRoute.POST, new Request(`${base}/api/uploads`, { method: "POST", body: "Email\na@example.org\n", headers: { "content-type": "application/octet-stream", "x-filename": "m.csv" } })),
  },
];
