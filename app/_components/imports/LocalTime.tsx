"use client";

import { useEffect, useState } from "react";
import { formatInZone } from "@/app/_components/imports/format";

/** The viewer's time zone once in the browser; null during the server render (which does not know it). */
export function useViewerZone(): string | null {
  const [zone, setZone] = useState<string | null>(null);
  useEffect(() => {
    setZone(Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC");
  }, []);
  return zone;
}

export function zoneName(zone: string): string {
  return zone.replaceAll("_", " ");
}

/**
 * A moment, by the app's one rule for times: in the viewer's time zone, with the zone named, and the UTC time
 * on hover (title). The server does not know the viewer's zone, so it renders UTC (marked as such); once in the
 * browser the text switches to local time. `showZone={false}` where the zone is named once nearby (a column
 * heading, see ViewerZone). `hideInZone`: render nothing when the viewer is in that zone (the caller shows it).
 */
export function LocalTime({
  iso,
  prefix = "",
  hideInZone,
  showZone = true,
}: {
  iso: string;
  prefix?: string;
  hideInZone?: string;
  showZone?: boolean;
}) {
  const zone = useViewerZone();
  if (zone && hideInZone && zone === hideInZone) return null;
  return timeIn(iso, zone, { prefix, showZone });
}

/**
 * LocalTime's markup for a zone already known (null: the server's render), for a list that asks for the
 * viewer's zone once instead of once per time.
 */
export function timeIn(iso: string, zone: string | null, o: { prefix?: string; showZone?: boolean } = {}) {
  const utc = `${formatInZone(iso, "UTC")} UTC`;
  const text = zone ? `${formatInZone(iso, zone)}${(o.showZone ?? true) ? ` (${zoneName(zone)})` : ""}` : utc;
  return (
    <time dateTime={iso} title={utc} data-local-time={zone ? "local" : "utc"}>
      {o.prefix}
      {text}
    </time>
  );
}

/** The viewer's zone by name ("Europe/Berlin"), for a heading over times shown without it. */
export function ViewerZone() {
  const zone = useViewerZone();
  return <span data-viewer-zone={zone ?? "UTC"}>{zoneName(zone ?? "UTC")}</span>;
}

/**
 * A scheduled moment in its schedule's own zone, beside the viewer's time: "06:30 Europe/Berlin (the
 * schedule's zone)". Nothing when the viewer is in that zone already.
 */
export function ScheduleZoneTime({ iso, zone, className }: { iso: string; zone: string; className?: string }) {
  const viewer = useViewerZone();
  if (!viewer || viewer === zone) return null;
  return (
    <span className={className}>
      Schedule&apos;s zone: {formatInZone(iso, zone)} ({zoneName(zone)})
    </span>
  );
}
