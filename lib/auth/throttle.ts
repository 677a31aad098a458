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

export type ThrottleState = { failures: number; windowStart: Date; lockedUntil: Date | null };

export function emailKey(email: string): string {
  return `email:${email.trim().toLowerCase()}`;
}

export function ipKey(ip: string): string {
  return `ip:${ip}`;
}

function limitFor(key: string): number {
  return key.startsWith("ip:") ? THROTTLE.maxFailures.ip : THROTTLE.maxFailures.email;
}

/** Pure rule (unit-tested): the state after one more failure at `now`. */
export function afterFailure(prev: ThrottleState | null, now: Date, limit: number): ThrottleState {
  const fresh = !prev || now.getTime() - prev.windowStart.getTime() >= THROTTLE.windowMs;
  const failures = fresh ? 1 : prev.failures + 1;
  const windowStart = fresh ? now : prev.windowStart;
  const lockedUntil = failures >= limit ? new Date(now.getTime() + THROTTLE.lockMs) : (prev?.lockedUntil ?? null);
  return { failures, windowStart, lockedUntil };
}

/** Pure rule: when the lock ends, or null when not locked at `now`. */
export function lockedUntil(state: ThrottleState | null, now: Date): Date | null {
  return state?.lockedUntil && state.lockedUntil.getTime() > now.getTime() ? state.lockedUntil : null;
}

/** The latest lock end among the keys, or null when none is locked. */
export async function checkThrottle(sql: Sql, keys: string[], now = new Date()): Promise<Date | null> {
  const rows = await sql<{ locked_until: Date | null }[]>`
    select locked_until from sign_in_throttle where key in ${sql(keys)} and locked_until > ${now}`;
  let until: Date | null = null;
  for (const r of rows) if (r.locked_until && (!until || r.locked_until > until)) until = r.locked_until;
  return until;
}

/** Count one failure against every key, atomically per key (concurrent attempts cannot lose a count). */
export async function recordFailure(sql: Sql, keys: string[], now = new Date()): Promise<void> {
  const windowStart = new Date(now.getTime() - THROTTLE.windowMs);
  const lockEnd = new Date(now.getTime() + THROTTLE.lockMs);
  for (const key of keys) {
    const limit = limitFor(key);
    await sql`
      insert into sign_in_throttle as t (key, failures, window_start, locked_until)
      values (${key}, 1, ${now}, ${limit <= 1 ? lockEnd : null})
      on conflict (key) do update set
        failures = case when t.window_start <= ${windowStart} then 1 else t.failures + 1 end,
        window_start = case when t.window_start <= ${windowStart} then ${now}::timestamptz else t.window_start end,
        locked_until = case
          when (case when t.window_start <= ${windowStart} then 1 else t.failures + 1 end) >= ${limit} then ${lockEnd}::timestamptz
          else t.locked_until end`;
  }
}

/** A successful sign-in clears its email's count (not the address's: one good account must not reset it). */
export async function clearFailures(sql: Sql, key: string): Promise<void> {
  await sql`delete from sign_in_throttle where key = ${key}`;
}

export function minutesLeft(until: Date, now = new Date()): number {
  return Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 60_000));
}
