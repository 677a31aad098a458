/** Finding a zone in the picker's list (client-safe: no data table, no server imports). */

/** One entry of the wizard's time-zone picker. */
export type ZoneChoice = {
  /** The current IANA name, stored in the schedule. */
  id: string;
  /** "UTC+05:30 · Asia/Kolkata — India". */
  label: string;
  /** Lower-case words the search matches: name, city, country, note, offset spellings. */
  search: string;
  /** The spelling Intl reports for this zone (maybe an old name such as Asia/Calcutta), to match a browser's zone. */
  intlName: string;
};

export function intlNameOf(zone: string): string {
  try {
    return new Intl.DateTimeFormat("en", { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return "";
  }
}

/** The choice a zone name (maybe an old spelling, as browsers report it) stands for. */
export function matchZone(choices: readonly ZoneChoice[], zone: string | null | undefined): ZoneChoice | null {
  if (!zone) return null;
  return (
    choices.find((c) => c.id === zone) ??
    choices.find((c) => c.intlName === zone) ??
    choices.find((c) => c.intlName === intlNameOf(zone)) ??
    null
  );
}

/**
 * The choices a search matches: every word typed must appear ("kolkata", "india", "+05:30", "new york").
 * Whole-word matches come first, so "India" lists Asia/Kolkata before America/Indiana/… and Indian/….
 */
export function searchZones(choices: readonly ZoneChoice[], query: string): ZoneChoice[] {
  const words = query.toLowerCase().trim().split(/\s+/).filter(Boolean);
  if (!words.length) return [...choices];
  const scored: { c: ZoneChoice; score: number; i: number }[] = [];
  choices.forEach((c, i) => {
    if (!words.every((w) => c.search.includes(w))) return;
    const tokens = new Set(c.search.split(/[\s|,/()—_-]+/));
    scored.push({ c, score: words.filter((w) => tokens.has(w)).length, i });
  });
  return scored.sort((a, b) => b.score - a.score || a.i - b.i).map((s) => s.c);
}
