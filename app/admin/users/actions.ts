"use server";

import { redirect } from "next/navigation";
import { getDb } from "@/db/client";
import { audit } from "@/lib/audit";
import { authorizedAction } from "@/lib/auth/guard";
import { countOtherActiveAdmins, createUser, getUserById, setUserDisabled, setUserPassword, setUserRole } from "@/lib/auth/users";
import { AppError } from "@/lib/errors";
import { createUserSchema, resetPasswordSchema, setDisabledSchema, setRoleSchema } from "./schemas";

/** Staff administration: admins only. Passwords are never audited or echoed. */

export const createUserAction = authorizedAction("admin", createUserSchema, async (input, user) => {
  const db = getDb();
  const created = await createUser(db, input);
  await audit(db, { user, action: "user.create", targetType: "user", targetId: created.id, details: { email: created.email, role: created.role } });
  redirect("/admin/users?notice=user_created");
});

export const setRoleAction = authorizedAction("admin", setRoleSchema, async (input, user) => {
  const db = getDb();
  const target = await getUserById(db, input.userId);
  if (!target) throw new AppError("not_found", "This user no longer exists.", 404);
  if (target.role === "admin" && input.role !== "admin" && (await countOtherActiveAdmins(db, target.id)) === 0) {
    throw new AppError("last_admin", "This is the only active admin: make another user admin first.", 409);
  }
  await setUserRole(db, target.id, input.role);
  await audit(db, { user, action: "user.role", targetType: "user", targetId: target.id, details: { email: target.email, from: target.role, to: input.role } });
  redirect("/admin/users?notice=user_updated");
});

export const setDisabledAction = authorizedAction("admin", setDisabledSchema, async (input, user) => {
  const db = getDb();
  if (input.disabled && input.userId === user.id) throw new AppError("self_disable", "You cannot disable your own account.", 409);
  const target = await getUserById(db, input.userId);
  if (!target) throw new AppError("not_found", "This user no longer exists.", 404);
  await setUserDisabled(db, target.id, input.disabled);
  await audit(db, { user, action: input.disabled ? "user.disable" : "user.enable", targetType: "user", targetId: target.id, details: { email: target.email } });
  redirect("/admin/users?notice=user_updated");
});

export const resetPasswordAction = authorizedAction("admin", resetPasswordSchema, async (input, user) => {
  const db = getDb();
  const target = await getUserById(db, input.userId);
  if (!target) throw new AppError("not_found", "This user no longer exists.", 404);
  await setUserPassword(db, target.id, input.password);
  await audit(db, { user, action: "user.reset_password", targetType: "user", targetId: target.id, details: { email: target.email } });
  redirect("/admin/users?notice=user_updated");
});
