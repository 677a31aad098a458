import { testConnection } from "@/lib/sources";
import type { SourceSpec } from "@/lib/sources/types";

/** What step 1 shows after "Test connection" (no secrets). */
export type TestResult = {
  ok: boolean;
  message: string;
  /** The SFTP host key or TLS certificate fingerprint the server presented, to trust (pin). */
  fingerprint?: string;
  fingerprintKind?: "host_key" | "tls";
  /** The matching files, and whether a run would take each now (ready marker, settle time). */
  files?: { name: string; size: number; mtime: string; ready: boolean; settling: boolean }[];
};

export async function checkConnection(spec: SourceSpec): Promise<TestResult> {
  const check = await testConnection(spec);
  const fingerprint = check.hostKeyFingerprint ?? check.tlsFingerprint;
  return {
    ok: check.ok,
    message: check.message,
    fingerprint,
    fingerprintKind: check.hostKeyFingerprint ? "host_key" : check.tlsFingerprint ? "tls" : undefined,
    files: check.files
      ?.slice(0, 10)
      .map((f) => ({ name: f.name, size: f.size, mtime: f.mtime, ready: f.ready, settling: f.settling })),
  };
}
