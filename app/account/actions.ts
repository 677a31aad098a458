"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { getDb } from "@/db/client";
import { audit } from "@/lib/audit";
import { authorizedAction } from "@/lib/auth/guard";
import { changeOwnPassword, MIN_PASSWORD_LENGTH } from "@/lib/auth/users";
import { signinPath } from "@/lib/paths";

const changePasswordSchema = z
  .object({
    currentPassword: z.string().min(1, "Enter your current password."),
    newPassword: z.string().min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters.`).max(1000),
    confirmPassword: z.string(),
  })
  .refine((v) => v.newPassword === v.confirmPassword, {
    path: ["confirmPassword"],
    message: "The two new passwords differ.",
  });

/**
 * Any signed-in user changes their own password. Every session of the user ends (the session token carries
 * the password version), this one included: they sign in again with the new password.
 */
export const changePasswordAction = authorizedAction("viewer", changePasswordSchema, async (input, user) => {
  const db = getDb();
  await changeOwnPassword(db, user.id, input.currentPassword, input.newPassword);
  await audit(db, { user, action: "user.change_password", targetType: "user", targetId: user.id });
  redirect(signinPath({ notice: "password_changed" }));
});
