import { offsetAt } from "@/lib/schedule/timezone";
import { zoneTable } from "@/lib/schedule/zone-table";
import { intlNameOf, type ZoneChoice } from "@/lib/schedule/zone-search";

export type { ZoneChoice } from "@/lib/schedule/zone-search";
export { matchZone, searchZones } from "@/lib/schedule/zone-search";

const regionNames = new Intl.DisplayNames(["en"], { type: "region" });

function countryName(code: string): string {
  try {
    return regionNames.of(code) ?? code;
  } catch {
    return code;
  }
}

/** "+05:30", "-03:00", "+00:00" for an offset in ms. */
export function offsetText(offsetMs: number): string {
  const minutes = Math.round(offsetMs / 60_000);
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

function choice(id: string, country: string, note: string, at: number): ZoneChoice | null {
  const intlName = intlNameOf(id);
  if (!intlName) return null;
  const offset = offsetText(offsetAt(id, at));
  const place = [country, note].filter(Boolean).join(", ");
  const label = `UTC${offset} · ${id.replaceAll("_", " ")}${place ? ` — ${place}` : ""}`;
  const short = offset.replace(/:00$/, "").replace(/^([+-])0/, "$1");
  const search = [
    id,
    id.replaceAll("_", " "),
    intlName,
    place,
    offset,
    offset.replace(":", ""),
    `utc${offset}`,
    `gmt${offset}`,
    `utc${short}`,
  ]
    .join(" | ")
    .toLowerCase();
  return { id, label, search, intlName };
}

/**
 * The picker's list at one moment (offsets as they are then): UTC first, then every current zone by offset
 * and name. A stored zone that is not in the table (an old name) is kept, marked, so an edit shows it.
 */
export function zoneChoices(at: Date = new Date(), keep?: string | null): ZoneChoice[] {
  const t = at.getTime();
  const list = zoneTable
    .map(([zone, cc, note]) => choice(zone, countryName(cc), note, t))
    .filter((c): c is ZoneChoice => c !== null)
    .sort((a, b) => offsetAt(a.id, t) - offsetAt(b.id, t) || a.id.localeCompare(b.id));
  const utc = choice("UTC", "", "Coordinated Universal Time", t)!;
  const out = [utc, ...list];
  if (keep && !out.some((c) => c.id === keep)) {
    const old = choice(keep, "", "older name", t);
    if (old) out.splice(1, 0, old);
  }
  return out;
}
