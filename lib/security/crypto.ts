import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { keyBytes } from "@/lib/security/key-text";

/**
 * Secrets at rest (source passwords, private keys): AES-256-GCM with a random 12-byte IV.
 * Format: `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts). keyId = first 4 bytes of SHA-256(key), hex,
 * so a value names the key that sealed it: during rotation the old key goes to ENCRYPTION_KEYS_OLD and values
 * still decrypt; `reencrypt` moves them to the current key. "v1.<keyId>" is authenticated data, so a changed
 * header fails like a changed ciphertext. The plaintext is JSON, so a string comes back a string and an
 * object an object.
 */

type Key = { id: string; bytes: Buffer };

function parseKey(text: string, name: string): Key {
  const bytes = keyBytes(text);
  if (!bytes)
    throw new AppError(
      "encryption_key_invalid",
      `${name} must be 32 bytes written as 64 hex digits or base64 (generate one with: openssl rand -base64 32).`,
    );
  return { id: createHash("sha256").update(bytes).digest("hex").slice(0, 8), bytes };
}

let cache: { source: string; current: Key; all: Map<string, Key> } | undefined;

function keys() {
  const current = env.ENCRYPTION_KEY;
  const old = env.ENCRYPTION_KEYS_OLD;
  const source = `${current}\n${old}`;
  if (cache?.source === source) return cache;
  if (!current)
    throw new AppError(
      "encryption_key_missing",
      "ENCRYPTION_KEY is not set, so stored passwords cannot be encrypted or read. Set it (openssl rand -base64 32).",
    );
  const cur = parseKey(current, "ENCRYPTION_KEY");
  const all = new Map([[cur.id, cur]]);
  for (const t of old
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const k = parseKey(t, "Each key of ENCRYPTION_KEYS_OLD");
    if (!all.has(k.id)) all.set(k.id, k);
  }
  cache = { source, current: cur, all };
  return cache;
}

const b64 = (b: Buffer) => b.toString("base64url");

export function encryptSecret(value: unknown): string {
  const { current } = keys();
  const iv = randomBytes(12);
  const header = `v1.${current.id}`;
  const cipher = createCipheriv("aes-256-gcm", current.bytes, iv);
  cipher.setAAD(Buffer.from(header));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final()]);
  return `${header}.${b64(iv)}.${b64(cipher.getAuthTag())}.${b64(body)}`;
}

function unpack(text: string) {
  const parts = typeof text === "string" ? text.split(".") : [];
  if (parts.length !== 5 || parts[0] !== "v1" || !/^[0-9a-f]{8}$/.test(parts[1]))
    throw new AppError(
      "secret_corrupt",
      "A stored secret is not in the expected format; enter the password or key again.",
    );
  return {
    keyId: parts[1],
    iv: Buffer.from(parts[2], "base64url"),
    tag: Buffer.from(parts[3], "base64url"),
    body: Buffer.from(parts[4], "base64url"),
  };
}

export function decryptSecret<T = string>(text: string): T {
  const { keyId, iv, tag, body } = unpack(text);
  const key = keys().all.get(keyId);
  if (!key)
    throw new AppError(
      "secret_key_unknown",
      `A stored secret was encrypted with a key that is not configured (key id ${keyId}). Put that key in ENCRYPTION_KEYS_OLD, or enter the password again.`,
    );
  if (iv.length !== 12 || tag.length !== 16)
    throw new AppError("secret_corrupt", "A stored secret is damaged; enter the password or key again.");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key.bytes, iv);
    decipher.setAAD(Buffer.from(`v1.${keyId}`));
    decipher.setAuthTag(tag);
    const plain = Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
    return JSON.parse(plain) as T;
  } catch {
    throw new AppError(
      "secret_tampered",
      "A stored secret failed its integrity check (altered, or sealed with a different key of the same id); enter it again.",
    );
  }
}

/** True when the value was sealed with an older key. */
export function needsReencrypt(text: string): boolean {
  return unpack(text).keyId !== keys().current.id;
}

/** Key rotation: returns the value sealed with the current key (unchanged when it already is). */
export function reencrypt(text: string): string {
  return needsReencrypt(text) ? encryptSecret(decryptSecret<unknown>(text)) : text;
}
