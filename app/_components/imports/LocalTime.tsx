"use client";

import { useEffect, useState } from "react";
import { formatInZone } from "./format";

/**
 * A moment in the viewer's time zone. The server does not know that zone, so it renders UTC (marked as
 * such); once in the browser the text switches to local time with the zone's name. `hideInZone`: render
 * nothing when the viewer is in that zone (the caller already shows it).
 */
export function LocalTime({ iso, prefix = "", hideInZone }: { iso: string; prefix?: string; hideInZone?: string }) {
  const [zone, setZone] = useState<string | null>(null);
  useEffect(() => {
    setZone(Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC");
  }, []);
  if (zone && hideInZone && zone === hideInZone) return null;
  const text = zone ? `${formatInZone(iso, zone)} (${zone.replaceAll("_", " ")})` : `${formatInZone(iso, "UTC")} UTC`;
  return (
    <time dateTime={iso} data-local-time={zone ? "local" : "utc"}>
      {prefix}
      {text}
    </time>
  );
}
