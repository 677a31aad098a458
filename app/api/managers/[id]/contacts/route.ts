import { getDb, getSql } from "@/db/client";
import { idFrom, noStore } from "@/app/api/_lib/ids";
import { contactsQuerySchema } from "@/app/api/managers/schemas";
import { withApiAuth } from "@/lib/auth/guard";
import { AppError, notFound } from "@/lib/errors";
import { listContacts } from "@/lib/managers/contact-list";
import { getManager } from "@/lib/managers/queries";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET /api/managers/:id/contacts?after=&limit=&key= — live contacts in key order, paged; fields by label. */
export const GET = withApiAuth<{ id: string }>("viewer", async (req, { params }) => {
  const parsed = contactsQuerySchema.safeParse(Object.fromEntries(new URL(req.url).searchParams));
  if (!parsed.success) throw new AppError("invalid_query", parsed.error.issues[0]?.message ?? "Invalid query.");
  const m = await getManager(getDb(), await idFrom(params, "manager"));
  if (!m) throw notFound("manager");
  const q = parsed.data;
  const page = await listContacts(getSql(), {
    managerId: m.id,
    fields: m.fields,
    sort: "key_asc",
    q: q.key,
    searchIn: "key",
    after: q.after,
    before: q.before,
    pageSize: q.limit ?? 100,
  });
  const label = new Map(m.fields.map((f) => [f.id, f.label]));
  const contacts = page.rows.map((c) => {
    const fields: Record<string, string | true> = {};
    for (const [id, v] of Object.entries(c.data)) if (v !== "" && label.has(id)) fields[label.get(id)!] = v;
    if (c.hasPassword) for (const f of m.fields.filter((x) => x.type === "password")) fields[f.label] = true;
    return { key: c.key, fields, updatedAt: c.updatedAt.toISOString() };
  });
  return Response.json({ contacts, nextCursor: page.nextCursor, prevCursor: page.prevCursor }, { headers: noStore });
});
