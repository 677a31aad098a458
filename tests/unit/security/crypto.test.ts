import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { reloadEnv } from "@/lib/env";
import { decryptSecret, encryptSecret, needsReencrypt, reencrypt } from "@/lib/security/crypto";

const saved = { key: process.env.ENCRYPTION_KEY, old: process.env.ENCRYPTION_KEYS_OLD };
function useKeys(key: string | undefined, old = "") {
  if (key === undefined) delete process.env.ENCRYPTION_KEY;
  else process.env.ENCRYPTION_KEY = key;
  process.env.ENCRYPTION_KEYS_OLD = old;
  reloadEnv();
}
afterEach(() => useKeys(saved.key, saved.old ?? ""));

describe("secret encryption", () => {
  it("round-trips strings and objects, with a fresh IV each time", () => {
    useKeys(randomBytes(32).toString("base64"));
    const a = encryptSecret("pa55word");
    expect(a).not.toContain("pa55word");
    expect(a).not.toBe(encryptSecret("pa55word"));
    expect(decryptSecret(a)).toBe("pa55word");
    const obj = { password: "x", privateKey: "-----BEGIN-----\n…" };
    expect(decryptSecret<typeof obj>(encryptSecret(obj))).toEqual(obj);
  });

  it("accepts hex keys", () => {
    useKeys(randomBytes(32).toString("hex"));
    expect(decryptSecret(encryptSecret("x"))).toBe("x");
  });

  it("detects tampering of the body, the tag or the header", () => {
    useKeys(randomBytes(32).toString("base64"));
    const parts = encryptSecret("secret value").split(".");
    const flip = (s: string) => {
      const b = Buffer.from(s, "base64url");
      b[0] ^= 1;
      return b.toString("base64url");
    };
    expect(() => decryptSecret([...parts.slice(0, 4), flip(parts[4])].join("."))).toThrow(/integrity check/);
    expect(() => decryptSecret([...parts.slice(0, 3), flip(parts[3]), parts[4]].join("."))).toThrow(/integrity check/);
    expect(() => decryptSecret("garbage")).toThrow(/expected format/);
  });

  it("rotates: old keys still decrypt, reencrypt moves values to the new key", () => {
    const oldKey = randomBytes(32).toString("base64");
    const newKey = randomBytes(32).toString("hex");
    useKeys(oldKey);
    const sealed = encryptSecret({ password: "p" });
    useKeys(newKey);
    expect(() => decryptSecret(sealed)).toThrow(/ENCRYPTION_KEYS_OLD/);
    useKeys(newKey, `${randomBytes(32).toString("base64")}, ${oldKey}`);
    expect(needsReencrypt(sealed)).toBe(true);
    const moved = reencrypt(sealed);
    expect(needsReencrypt(moved)).toBe(false);
    expect(reencrypt(moved)).toBe(moved);
    useKeys(newKey);
    expect(decryptSecret(moved)).toEqual({ password: "p" });
  });

  it("explains a missing key when used, and refuses a wrong-sized one at start", () => {
    useKeys(undefined);
    expect(() => encryptSecret("x")).toThrow(/ENCRYPTION_KEY is not set/);
    expect(() => useKeys(randomBytes(16).toString("base64"))).toThrow(
      /Invalid environment:\n {2}ENCRYPTION_KEY: ENCRYPTION_KEY must be 32 bytes/,
    );
    expect(() => useKeys("8443;not-a-key")).toThrow(/must be 32 bytes/);
  });
});
