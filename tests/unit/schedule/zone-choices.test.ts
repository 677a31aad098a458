import { describe, expect, it } from "vitest";
import { matchZone, offsetText, searchZones, zoneChoices } from "@/lib/schedule/zone-choices";

const at = new Date("2026-01-15T12:00:00Z");
const choices = zoneChoices(at);
const ids = (q: string) => searchZones(choices, q).map((c) => c.id);

describe("time-zone picker", () => {
  it("lists current names (Asia/Kolkata, Europe/Kyiv), not the old ones, UTC first, with offsets", () => {
    const all = choices.map((c) => c.id);
    expect(all[0]).toBe("UTC");
    expect(all).toContain("Asia/Kolkata");
    expect(all).toContain("Europe/Kyiv");
    expect(all).not.toContain("Asia/Calcutta");
    expect(all).not.toContain("Europe/Kiev");
    expect(choices.find((c) => c.id === "Asia/Kolkata")!.label).toBe("UTC+05:30 · Asia/Kolkata — India");
    expect(choices.find((c) => c.id === "Europe/Berlin")!.label).toMatch(/^UTC\+01:00 · Europe\/Berlin — Germany/);
  });

  it("finds a zone by city, country or offset", () => {
    expect(ids("Kolkata")).toEqual(["Asia/Kolkata"]);
    expect(ids("India")[0]).toBe("Asia/Kolkata");
    expect(ids("+05:30")).toEqual(["Asia/Colombo", "Asia/Kolkata"]);
    expect(ids("new york")).toEqual(["America/New_York"]);
    expect(ids("Ukraine")).toContain("Europe/Kyiv");
    expect(ids("utc+9")).toContain("Asia/Tokyo");
  });

  it("matches a browser's old spelling to the current name", () => {
    expect(matchZone(choices, "Asia/Calcutta")?.id).toBe("Asia/Kolkata");
    expect(matchZone(choices, "Europe/Kiev")?.id).toBe("Europe/Kyiv");
    expect(matchZone(choices, "Europe/Berlin")?.id).toBe("Europe/Berlin");
    expect(matchZone(choices, "Mars/Olympus")).toBeNull();
  });

  it("keeps a stored zone that is not in the table", () => {
    expect(zoneChoices(at, "Asia/Calcutta").map((c) => c.id)).toContain("Asia/Calcutta");
    expect(offsetText(-3.5 * 3600_000)).toBe("-03:30");
  });
});
