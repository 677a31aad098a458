import { getResend } from "@/lib/notify/resend-client";
import { env } from "@/lib/env";

export type SendResult =
  | { kind: "sent"; providerId: string | null }
  | { kind: "no_provider" }
  | { kind: "error"; retryable: boolean; message: string };

const SEND_TIMEOUT_MS = 15_000;

/** Split an error-email setting ("a@x.org, b@y.org") into addresses. */
export function recipients(to: string): string[] {
  return to
    .split(/[,;\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Send one plain-text email through Resend. Never throws: the outbox records the result. */
export async function sendEmail(msg: {
  to: string;
  subject: string;
  body: string;
  idempotencyKey: string;
}): Promise<SendResult> {
  const resend = await getResend();
  if (!resend) return { kind: "no_provider" };
  try {
    const { data, error } = await resend.emails.send(
      { from: env.MAIL_FROM, to: recipients(msg.to), subject: msg.subject, text: msg.body },
      // The idempotency key makes a retry after a lost response not send the message twice.
      { idempotencyKey: msg.idempotencyKey, signal: AbortSignal.timeout(SEND_TIMEOUT_MS) },
    );
    if (error) {
      const status = (error as { statusCode?: number | null }).statusCode ?? null;
      // Network failures (no status), rate limits and server errors are worth another try; a rejected
      // message (bad address, unverified sender) is not.
      const retryable = status === null || status === 408 || status === 429 || status >= 500;
      return { kind: "error", retryable, message: `${status ?? "network"}: ${error.message}`.slice(0, 500) };
    }
    return { kind: "sent", providerId: data?.id ?? null };
  } catch (e) {
    return { kind: "error", retryable: true, message: (e instanceof Error ? e.message : String(e)).slice(0, 500) };
  }
}
