import type { Sql } from "@/db/client";

/**
 * Sign-in throttling, kept in Postgres (table sign_in_throttle) so every app instance sees the same counts.
 * Keys are "email:<lower-cased email>" and "ip:<address>". An email locks after a few failures (it protects
 * one account); an address gets more room, because an office behind one NAT shares it.
 */
export const THROTTLE = {
  windowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
  maxFailures: { email: 5, ip: 30 },
} as const;

export function emailKey(email: string): string {
  return `email:${email.trim().toLowerCase()}`;
}

export function ipKey(ip: string): string {
  return `ip:${ip}`;
}

function limitFor(key: string): number {
  return key.startsWith("ip:") ? THROTTLE.maxFailures.ip : THROTTLE.maxFailures.email;
}

/**
 * Take one attempt against every key before the password is checked, atomically per key: attempts made in
 * parallel each take their own count, so no more than the limit are ever checked. A locked key does not count
 * further. Returns the lock end when this attempt is refused (a key locked, or over its limit while earlier
 * attempts are still being checked), or null when it may go on.
 */
export async function takeAttempt(sql: Sql, keys: string[], now = new Date()): Promise<Date | null> {
  const windowStart = new Date(now.getTime() - THROTTLE.windowMs);
  let until: Date | null = null;
  for (const key of keys) {
    const [row] = await sql<{ failures: number; locked_until: Date | null }[]>`
      insert into sign_in_throttle as t (key, failures, window_start, locked_until)
      values (${key}, 1, ${now}, null)
      on conflict (key) do update set
        failures = case when t.locked_until > ${now} then t.failures
                        when t.window_start <= ${windowStart} then 1 else t.failures + 1 end,
        window_start = case when t.locked_until > ${now} then t.window_start
                            when t.window_start <= ${windowStart} then ${now}::timestamptz else t.window_start end
      returning failures, locked_until`;
    const lock =
      row.locked_until && row.locked_until > now
        ? row.locked_until
        : row.failures > limitFor(key)
          ? new Date(now.getTime() + THROTTLE.lockMs)
          : null;
    if (lock && (!until || lock > until)) until = lock;
  }
  return until;
}

/** After a failed attempt: every key that has reached its limit is locked. */
export async function lockIfOverLimit(sql: Sql, keys: string[], now = new Date()): Promise<void> {
  const lockEnd = new Date(now.getTime() + THROTTLE.lockMs);
  for (const key of keys) {
    await sql`
      update sign_in_throttle set locked_until = ${lockEnd}
      where key = ${key} and failures >= ${limitFor(key)} and (locked_until is null or locked_until <= ${now})`;
  }
}

/**
 * After a successful sign-in: its email's count is cleared, and the attempt it took from its address is given
 * back (one good account must not reset an address's count, nor use it up).
 */
export async function recordSuccess(sql: Sql, keys: string[]): Promise<void> {
  for (const key of keys) {
    if (key.startsWith("ip:"))
      await sql`update sign_in_throttle set failures = greatest(failures - 1, 0) where key = ${key}`;
    else await sql`delete from sign_in_throttle where key = ${key}`;
  }
}

export function minutesLeft(until: Date, now = new Date()): number {
  return Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 60_000));
}
