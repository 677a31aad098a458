import { describe, expect, it } from "vitest";
import {
  DUMMY_HASH,
  hashContactPassword,
  hashPassword,
  needsRehash,
  STAFF_COST,
  verifyPassword,
} from "@/lib/auth/passwords";

describe("staff password hashes", () => {
  it("are argon2id at OWASP's minimum (19 MiB, 2 passes, 1 lane) in PHC form, and verify", async () => {
    expect(STAFF_COST).toEqual({ memory: 19_456, passes: 2, parallelism: 1 });
    const hash = await hashPassword("correct horse battery");
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await verifyPassword("correct horse battery", hash)).toBe(true);
    expect(await verifyPassword("correct horse batterY", hash)).toBe(false);
    expect(needsRehash(hash)).toBe(false);
  });

  it("salts every hash and normalises the password to NFC", async () => {
    const a = await hashPassword("Müller-pass", { memory: 256, passes: 2, parallelism: 1 });
    const b = await hashPassword("Müller-pass", { memory: 256, passes: 2, parallelism: 1 });
    expect(a).not.toBe(b);
    expect(await verifyPassword("Mu\u0308ller-pass", a)).toBe(true);
  });

  it("still verify the older scrypt hashes, which need a rehash, as does a cheaper argon2id", async () => {
    const legacy = await hashContactPassword("old-password", { N: 1024, r: 8, p: 1 });
    expect(legacy).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(await verifyPassword("old-password", legacy)).toBe(true);
    expect(needsRehash(legacy)).toBe(true);
    expect(needsRehash(await hashPassword("x", { memory: 256, passes: 2, parallelism: 1 }))).toBe(true);
  });

  it("refuse malformed hashes instead of throwing, and the dummy hash matches nothing", async () => {
    for (const stored of [
      "",
      "plain",
      "$argon2id$v=19$m=0,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAA",
      "scrypt$1$1$1$AA==$AA==",
    ])
      expect(await verifyPassword("x", stored).catch(() => "threw")).toBe(false);
    expect(await verifyPassword("", DUMMY_HASH)).toBe(false);
    expect(needsRehash(DUMMY_HASH)).toBe(false);
  });
});

describe("contact password hashes", () => {
  it("keep their cheaper scrypt cost (N=4096)", async () => {
    const hash = await hashContactPassword("contact-secret");
    expect(hash).toMatch(/^scrypt\$4096\$8\$1\$/);
    expect(await verifyPassword("contact-secret", hash)).toBe(true);
  });
});
