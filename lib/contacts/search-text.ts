import type { Field } from "@/db/schema";

/**
 * The text "email or name contains" searches, kept in contacts.search so that the search reads one short
 * column instead of three jsonb values lower-cased on the fly (which cost ~1 µs a contact: 0.5 s at a
 * million). It is the lower-cased email, U+0001 (no search text holds it, so no match spans the two
 * parts), then first and last name joined by a space. The database computes the same text with
 * contact_search_text(data, email_id, first_id, last_id) (migration 0009) where it writes `data` itself.
 */
export type SearchFieldIds = { email: string | null; first: string | null; last: string | null };

export function searchFieldIds(fields: Pick<Field, "id" | "role">[]): SearchFieldIds {
  const id = (role: string) => fields.find((f) => f.role === role)?.id ?? null;
  return { email: id("email"), first: id("first_name"), last: id("last_name") };
}

export const SEARCH_SEPARATOR = "\u0001";

/** The search text of one contact from its email, first and last name (null: no value). */
export function searchText(email: string | null, first: string | null, last: string | null): string {
  const name = first === null ? (last ?? "") : last === null ? first : `${first} ${last}`;
  return ((email ?? "") + SEARCH_SEPARATOR + name).toLowerCase();
}
