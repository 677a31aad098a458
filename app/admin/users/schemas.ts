import { z } from "zod";
import { roles } from "@/db/schema";
import { MIN_PASSWORD_LENGTH } from "@/lib/auth/users";

const role = z.enum(roles, { error: "Choose a role." });
const id = z.uuid("Unknown user.");

export const createUserSchema = z.object({
  email: z.string().trim().pipe(z.email("Enter a valid email address.").max(320)),
  name: z.string().trim().max(200, "Use at most 200 characters.").default(""),
  role,
  password: z.string().min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters.`).max(1000),
});
/** The list view a change was made from (search and page), so the page comes back as it was. */
const view = {
  q: z.string().trim().max(320).optional(),
  page: z.coerce.number().int().min(1).max(100_000).optional().catch(undefined),
};
export const setRoleSchema = z.object({ userId: id, role, ...view });
export const setDisabledSchema = z.object({
  ...view,
  userId: id,
  disabled: z.enum(["true", "false"]).transform((v) => v === "true"),
});
export const resetPasswordSchema = z.object({
  ...view,
  userId: id,
  password: z.string().min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters.`).max(1000),
});
