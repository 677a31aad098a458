/**
 * Keyset paging cursors carry timestamps as Postgres writes them (`created_at::text`, `updated_at::text`):
 * "2026-03-01 10:00:00.123456+00", microseconds kept. A cursor is checked against this before it reaches SQL,
 * so a forged one is a clear "invalid link", not a database error.
 */
export const PG_TIMESTAMPTZ_TEXT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?[+-]\d{2}(?::\d{2}){0,2}$/;
