/**
 * Keyset paging cursors carry timestamps as Postgres writes them (`created_at::text`, `updated_at::text`):
 * "2026-03-01 10:00:00.123456+00", microseconds kept. A cursor is checked against this before it reaches SQL,
 * so a forged one is a clear "invalid link", not a database error: the form, and that the time can exist
 * (month 1-12, a day the month has, hours below 24, an offset Postgres accepts, at most 15:59:59).
 */
const PG_TIMESTAMPTZ_TEXT =
  /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?[+-](\d{2})(?::(\d{2}))?(?::(\d{2}))?$/;

export function isPgTimestamptzText(value: string): boolean {
  const m = PG_TIMESTAMPTZ_TEXT.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second, offH, offM = 0, offS = 0] = m.slice(1).map((v) => Number(v ?? 0));
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return (
    year >= 1 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour < 24 &&
    minute < 60 &&
    second < 60 &&
    offH <= 15 &&
    offM < 60 &&
    offS < 60
  );
}
