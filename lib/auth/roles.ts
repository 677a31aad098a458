import { roles, type Role } from "@/db/schema";

export { roles, type Role };

const rank: Record<Role, number> = { viewer: 1, editor: 2, admin: 3 };

/** admin ⊃ editor ⊃ viewer: true when `role` may do what `min` may. */
export function hasRole(role: Role, min: Role): boolean {
  return rank[role] >= rank[min];
}

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (roles as readonly string[]).includes(value);
}

export const roleLabels: Record<Role, string> = {
  admin: "Admin — users and everything else",
  editor: "Editor — Contact Managers, imports and runs",
  viewer: "Viewer — read only",
};
