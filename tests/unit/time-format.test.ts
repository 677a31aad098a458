import { describe, expect, it } from "vitest";
import { formatInZone, formatterFor } from "@/app/_components/imports/format";

describe("formatInZone", () => {
  it("gives UTC times the same text as Intl does for any other zone", () => {
    const intl = formatterFor("UTC");
    const viaIntl = (iso: string) => {
      const p = Object.fromEntries(intl.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
      return `${p.weekday} ${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
    };
    // Every weekday, midnight and the last minute of a day, month and year ends, a leap day.
    const times = [
      "2026-12-04T00:00:00.000Z",
      "2026-12-05T23:59:59.999Z",
      "2026-12-31T23:59:00Z",
      "2027-01-01T00:00:00Z",
      "2028-02-29T12:05:00Z",
      ...Array.from({ length: 7 }, (_, i) => new Date(Date.UTC(2026, 5, 1 + i, 9, 7)).toISOString()),
    ];
    for (const iso of times) expect(formatInZone(iso, "UTC")).toBe(viaIntl(iso));
    expect(formatInZone("2026-12-04T20:02:00Z", "UTC")).toBe("Fri 2026-12-04 20:02");
    expect(formatInZone("2026-12-04T20:02:00Z", "Europe/Berlin")).toBe("Fri 2026-12-04 21:02");
  });
});
