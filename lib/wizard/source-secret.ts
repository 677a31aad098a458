import type { Sync } from "@/db/schema";
import { decryptSecret } from "@/lib/security/crypto";
import type { RemoteKind } from "@/lib/vocabulary";
import type { SourceStepValues } from "@/lib/wizard/schemas";

/** A remote source's secret as stored (encrypted) in `syncs.secret_enc`. Server-side only, never logged. */
export type Secret = { password?: string; privateKey?: string; passphrase?: string };

export function readSecret(sync: Pick<Sync, "secretEnc"> | null): Secret {
  if (!sync?.secretEnc) return {};
  return decryptSecret<Secret>(sync.secretEnc);
}

/** As readSecret, but an undecryptable secret (a key no longer configured) reads as none. */
export function readSecretSafe(sync: Pick<Sync, "secretEnc">): Secret {
  try {
    return readSecret(sync);
  } catch {
    return {};
  }
}

/** Scheme + host + port: a stored secret or pinned fingerprint belongs to one server. */
export function origin(location: string | null | undefined): string | null {
  if (!location) return null;
  const m = /^([a-z0-9+.-]+):\/\/([^/]+)/i.exec(location);
  return m ? `${m[1].toLowerCase()}://${m[2].toLowerCase()}` : null;
}

/** Blank fields keep what is stored; the chosen SFTP method decides whether a password or a key is kept. */
export function mergeSecret(kind: RemoteKind, values: SourceStepValues, stored: Secret, linkPassword?: string): Secret {
  if (kind === "sftp" && values.authMethod === "key") {
    const privateKey = values.privateKey.trim() ? `${values.privateKey.trim()}\n` : stored.privateKey;
    const passphrase = values.privateKey.trim()
      ? values.passphrase || undefined
      : values.passphrase || stored.passphrase;
    return clean({ privateKey, passphrase });
  }
  return clean({ password: values.password || linkPassword || stored.password });
}

function clean(s: Secret): Secret {
  return Object.fromEntries(Object.entries(s).filter(([, v]) => v)) as Secret;
}
