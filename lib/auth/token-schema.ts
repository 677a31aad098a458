import { z } from "zod";
import { roles } from "@/db/schema";

/**
 * The one shape of "create an API token", read by POST /api/tokens, the admin page's form and
 * `token create`. `expiresAt` is a date (the token works through that day, UTC) or an ISO date-time.
 */
export const tokenCreateSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Give the token a name.")
    .max(100, "At most 100 characters.")
    .refine((v) => !/\p{Cc}/u.test(v), "Remove the control characters."),
  role: z.enum(roles, { error: "The role is admin, editor or viewer." }),
  expiresAt: z
    .union([z.iso.date(), z.iso.datetime({ offset: true })], {
      error: "expiresAt is a date (YYYY-MM-DD) or an ISO date-time.",
    })
    .nullable()
    .optional(),
  /** Whose token (a service account user); default: the admin creating it. */
  userId: z.uuid().optional(),
});
export type TokenCreateInput = z.output<typeof tokenCreateSchema>;

/** "2027-01-31" → the first moment after that day in UTC; a date-time is taken as given. */
export function expiryOf(value: string | null | undefined): Date | null {
  if (!value) return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return new Date(Date.parse(`${value}T00:00:00Z`) + 86_400_000);
  return new Date(value);
}
