import { Resend } from "resend";
import { env } from "@/lib/env";

let cached: { signature: string; client: Resend } | undefined;

/**
 * The Resend client, built on first use (never at import time, so a missing key cannot break a build or
 * a page). Null when RESEND_API_KEY is unset: messages are then only logged and kept in the outbox.
 * RESEND_BASE_URL points the SDK at another API host (a local stand-in in tests).
 */
export function getResend(): Resend | null {
  const key = env.RESEND_API_KEY;
  if (!key) return null;
  const baseUrl = env.RESEND_BASE_URL?.replace(/\/+$/, "");
  const signature = `${key}\u0000${baseUrl ?? ""}`;
  if (cached?.signature !== signature) {
    cached = { signature, client: new Resend(key, baseUrl ? { baseUrl } : undefined) };
  }
  return cached.client;
}
