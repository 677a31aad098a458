import xxhash from "xxhash-wasm";
import { describe, expect, it } from "vitest";
import { BinaryCopyReader, KnownContacts } from "@/lib/sync/known-contacts";
import { rowHasher } from "@/lib/sync/row-hash";
import type { StagedRow } from "@/lib/sync/validate";

const TAG = "abc123";

/** A KnownContacts of `keys`, each stored with the row hash `hashes[i]` (as the database holds them). */
function known(keys: string[], hashes: string[] = keys.map(() => TAG + "0".repeat(16))): KnownContacts {
  const k = new KnownContacts(TAG);
  for (let i = 0; i < keys.length; i++) {
    const bytes = Buffer.concat([Buffer.from(keys[i]), Buffer.from(hashes[i])]);
    const keyEnd = Buffer.byteLength(keys[i]);
    k.add(bytes, 0, keyEnd, keyEnd, bytes.length);
  }
  return k;
}

const row = (values: (string | null)[], passwordMac: string | null = null): StagedRow => ({
  line: 2,
  key: values[0],
  keyNorm: values[0],
  values,
  password: null,
  passwordMac,
  valid: true,
  del: false,
});

describe("KnownContacts", () => {
  it("finds every key byte for byte, in a table grown past its first size, and no other", () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => `person${i}@example.com`);
    const k = known(keys);
    expect(k.size).toBe(40_000);
    for (let i = 0; i < keys.length; i += 997) expect(k.find(keys[i])).toBe(i);
    expect(k.find("person40000@example.com")).toBe(-1);
    expect(k.find("person1@example.co")).toBe(-1);
    expect(k.find("")).toBe(-1);
  });

  it("matches keys outside ASCII as their UTF-8 bytes, a lone surrogate as U+FFFD (as Buffer#write does)", () => {
    const keys = ["ключ", "😀 smile", "a\\b\tc\nd", "é", "x\ufffd"];
    const k = known(keys);
    expect(keys.map((key) => k.find(key))).toEqual([0, 1, 2, 3, 4]);
    expect(k.find("x\ud800")).toBe(4);
    expect(k.find("e\u0301")).toBe(-1); // another spelling of é: keys are compared as normalised by the validator
    expect(k.find("ключ".repeat(500))).toBe(-1); // longer than the scratch buffer
  });

  it("says unchanged only for the same values of the same mapping, and lists the keys never named", async () => {
    const values = ["ann@x.com", "Ann", null, 'Lee "the" second', "\ud800"];
    // XXH64 of the values joined by NUL (an empty cell as empty text), then NUL and the password MAC.
    const { h64ToString } = await xxhash();
    const text = 'ann@x.com\u0000Ann\u0000\u0000Lee "the" second\u0000\ud800';
    const same = TAG + h64ToString(text);
    const withMac = TAG + h64ToString(`${text}\u0000mac1`);
    const other = "zzz999" + h64ToString(text);
    const md5 = TAG + "0123456789abcdef0123456789abcdef"; // the format before XXH64
    const k = known(
      ["ann@x.com", "bob@x.com", "cat@x.com", "dan@x.com", "eve@x.com"],
      [same, withMac, other, "old", md5],
    );
    const rowDigest = (await rowHasher(TAG)).digest;
    expect(k.sameHash(0, rowDigest(row(values)))).toBe(true);
    expect(k.sameHash(0, rowDigest(row([...values.slice(0, 4), "x"])))).toBe(false);
    expect(k.sameHash(1, rowDigest(row(values, "mac1")))).toBe(true);
    expect(k.sameHash(1, rowDigest(row(values, "mac2")))).toBe(false);
    expect(k.sameHash(2, rowDigest(row(values)))).toBe(false); // another mapping's tag
    expect(k.sameHash(3, rowDigest(row(values)))).toBe(false); // not a row hash at all
    expect(k.sameHash(4, "0123456789abcdef")).toBe(false); // a hash of an older format

    expect(k.see(1, 7)).toBe(0);
    expect(k.see(1, 9)).toBe(7);
    expect(k.see(3, 8)).toBe(0);
    expect([...k.unseen()]).toEqual(["ann@x.com", "cat@x.com", "eve@x.com"]);
    k.leftOut(3);
    expect(k.takeLeftOut(3)).toBe(true);
    expect(k.takeLeftOut(3)).toBe(false);
    expect(k.takeLeftOut(1)).toBe(false);
  });
});

describe("BinaryCopyReader", () => {
  it("reads rows split anywhere across the pieces of a binary COPY, and knows when it ended", () => {
    const field = (s: string) => {
      const b = Buffer.from(s);
      const len = Buffer.alloc(4);
      len.writeInt32BE(b.length);
      return Buffer.concat([len, b]);
    };
    const tuple = (key: string, rowHash: string) => Buffer.concat([Buffer.from([0, 2]), field(key), field(rowHash)]);
    const header = Buffer.concat([Buffer.from("PGCOPY\n\xff\r\n\0", "latin1"), Buffer.alloc(8)]);
    const keys = ["ann@x.com", "ключ", "b"];
    const copy = Buffer.concat([header, ...keys.map((k) => tuple(k, TAG + "f".repeat(16))), Buffer.from([0xff, 0xff])]);
    for (const size of [1, 3, 7, copy.length]) {
      const k = new KnownContacts(TAG);
      const reader = new BinaryCopyReader(k);
      for (let at = 0; at < copy.length; at += size) reader.push(copy.subarray(at, at + size));
      expect(reader.ended).toBe(true);
      expect(keys.map((key) => k.find(key))).toEqual([0, 1, 2]);
      expect(k.sameHash(1, "f".repeat(16))).toBe(true);
    }
  });
});
