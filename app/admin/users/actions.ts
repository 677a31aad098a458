"use server";

import { redirect } from "next/navigation";
import { getDb } from "@/db/client";
import { audit } from "@/lib/audit";
import { authorizedAction } from "@/lib/auth/guard";
import { changeUserAccess, createUser, getUserById, setUserPassword } from "@/lib/auth/users";
import { AppError, gone } from "@/lib/errors";
import { usersPath } from "@/lib/paths";
import { createUserSchema, resetPasswordSchema, setDisabledSchema, setRoleSchema } from "@/app/admin/users/schemas";

/** Staff administration: admins only. Passwords are never audited or echoed. */

export const createUserAction = authorizedAction("admin", createUserSchema, async (input, user) => {
  const db = getDb();
  const created = await createUser(db, input);
  await audit(db, {
    user,
    action: "user.create",
    targetType: "user",
    targetId: created.id,
    details: { email: created.email, role: created.role },
  });
  // The new user's row is shown, wherever it sorts.
  redirect(usersPath({ q: created.email, notice: "user_created" }));
});

export const setRoleAction = authorizedAction("admin", setRoleSchema, async (input, user) => {
  const db = getDb();
  const { before } = await changeUserAccess(db, input.userId, { role: input.role });
  await audit(db, {
    user,
    action: "user.role",
    targetType: "user",
    targetId: before.id,
    details: { email: before.email, from: before.role, to: input.role },
  });
  redirect(usersPath({ q: input.q, page: input.page, notice: "user_updated" }));
});

export const setDisabledAction = authorizedAction("admin", setDisabledSchema, async (input, user) => {
  const db = getDb();
  // Compared as stored: the form's id may be spelt in upper case.
  const target = await getUserById(db, input.userId);
  if (!target) throw gone("user");
  if (input.disabled && target.id === user.id)
    throw new AppError("self_disable", "You cannot disable your own account.");
  await changeUserAccess(db, target.id, { disabled: input.disabled });
  await audit(db, {
    user,
    action: input.disabled ? "user.disable" : "user.enable",
    targetType: "user",
    targetId: target.id,
    details: { email: target.email },
  });
  redirect(usersPath({ q: input.q, page: input.page, notice: "user_updated" }));
});

export const resetPasswordAction = authorizedAction("admin", resetPasswordSchema, async (input, user) => {
  const db = getDb();
  const target = await getUserById(db, input.userId);
  if (!target) throw gone("user");
  await setUserPassword(db, target.id, input.password);
  await audit(db, {
    user,
    action: "user.reset_password",
    targetType: "user",
    targetId: target.id,
    details: { email: target.email },
  });
  redirect(usersPath({ q: input.q, page: input.page, notice: "user_updated" }));
});
