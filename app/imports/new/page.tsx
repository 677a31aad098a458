import { notFound, redirect } from "next/navigation";
import { z } from "zod";
import { requireUser } from "@/lib/auth/guard";
import { newImportPath } from "@/lib/paths";

/** The "Setup New Import" form of /imports (a GET form, no JavaScript needed) lands here: on to the wizard. */
export default async function NewImportRedirect({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireUser("editor");
  const parsed = z.uuid().safeParse((await searchParams).managerId);
  if (!parsed.success) notFound();
  redirect(newImportPath(parsed.data));
}
