import { afterAll } from "vitest";
import { closeDb, getDb, getSql } from "@/db/client";

/**
 * Integration tests run in a scratch database made by `npm test` (scripts/with-database.ts --test). Tests share
 * it, so each creates its own managers/users (unique names) and never truncates tables.
 */
export function useDb() {
  if (!process.env.DATABASE_URL) throw new Error("Integration tests need DATABASE_URL: run them through `npm test`.");
  afterAll(async () => {
    await closeDb();
  });
  return { db: getDb(), sql: getSql() };
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
