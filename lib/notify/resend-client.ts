import type { Resend } from "resend";
import { env } from "@/lib/env";

let cached: { signature: string; client: Resend } | undefined;

/**
 * The Resend client, built on first use (never at import time, so a missing key cannot break a build or
 * a page; the SDK itself is loaded then, not by every process that imports the engine). Null when
 * RESEND_API_KEY is unset: messages are then only logged and kept in the outbox.
 * RESEND_BASE_URL points the SDK at another API host (a local stand-in in tests).
 */
export async function getResend(): Promise<Resend | null> {
  const key = env.RESEND_API_KEY;
  if (!key) return null;
  const baseUrl = env.RESEND_BASE_URL?.replace(/\/+$/, "");
  const signature = `${key}\u0000${baseUrl ?? ""}`;
  if (cached?.signature !== signature) {
    const { Resend } = await import("resend");
    cached = { signature, client: new Resend(key, baseUrl ? { baseUrl } : undefined) };
  }
  return cached.client;
}
