import { z } from "zod";
import { roles } from "@/db/schema";
import { MIN_PASSWORD_LENGTH } from "@/lib/auth/users";

const role = z.enum(roles, { message: "Choose a role." });
const id = z.string().uuid("Unknown user.");

export const createUserSchema = z.object({
  email: z.string().trim().email("Enter a valid email address.").max(320),
  name: z.string().trim().max(200, "Use at most 200 characters.").default(""),
  role,
  password: z.string().min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters.`).max(1000),
});
export const setRoleSchema = z.object({ userId: id, role });
export const setDisabledSchema = z.object({ userId: id, disabled: z.enum(["true", "false"]).transform((v) => v === "true") });
export const resetPasswordSchema = z.object({
  userId: id,
  password: z.string().min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters.`).max(1000),
});
