import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { getDb, getSql } from "@/db/client";
import { requireUser } from "@/lib/auth/guard";
import { countContacts } from "@/lib/managers/contact-list";
import { getManager } from "@/lib/managers/queries";
import { ConfirmDelete } from "@/app/_components/ConfirmDelete";
import { deleteManagerAction } from "@/app/managers/actions";
import { managerPath } from "@/lib/paths";

export const metadata: Metadata = { title: "Delete Contact Manager — Contact Sync" };

export default async function DeleteManagerPage({ params }: { params: Promise<{ id: string }> }) {
  await requireUser("editor");
  const { id } = await params;
  const manager = await getManager(getDb(), id);
  if (!manager) notFound();
  // Exact, unlike the contacts page's capped count: deleting cannot be undone, so say exactly how many contacts
  // go. It reads every live row (~0.3 s at a million), acceptable on a rarely visited confirmation page.
  const total = await countContacts(getSql(), manager.id);
  return (
    <main className="narrow">
      <p className="breadcrumb">
        <Link href="/managers">Contact Managers</Link> › <Link href={managerPath(manager.id)}>{manager.name}</Link> ›
      </p>
      <h1>Delete “{manager.name}”?</h1>
      <ConfirmDelete
        action={deleteManagerAction}
        hidden={{ id: manager.id }}
        name={manager.name}
        what="Contact Manager"
        cancelHref={managerPath(manager.id)}
        consequences={
          <p>
            This deletes the Contact Manager with its {total.toLocaleString("en-US")} contact{total === 1 ? "" : "s"},
            its fields, its imports and their run history. It cannot be undone.
          </p>
        }
      />
    </main>
  );
}
