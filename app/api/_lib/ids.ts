import { AppError, type Thing, notFound } from "@/lib/errors";
import { isUuid } from "@/lib/vocabulary";

/** The :id of a route: a UUID, or a 404 (an id that cannot exist is simply not found). */
export async function idFrom(params: Promise<{ id: string }>, thing: Thing): Promise<string> {
  const { id } = await params;
  if (!isUuid(id)) throw notFound(thing);
  return id.toLowerCase();
}

export const noStore = { "Cache-Control": "no-store" };
export { AppError };
