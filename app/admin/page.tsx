import { redirect } from "next/navigation";
import { requireUser } from "@/lib/auth/guard";

export default async function AdminHome(): Promise<never> {
  await requireUser("admin");
  redirect("/admin/users");
}
