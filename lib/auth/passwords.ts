import { argon2 as argon2Cb, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";

/**
 * Staff passwords: argon2id (Node 24's crypto.argon2, no native dependency) at OWASP's recommended minimum,
 * 19 MiB of memory, 2 passes, 1 lane, stored in the usual PHC form: $argon2id$v=19$m=19456,t=2,p=1$salt$hash.
 * Hashes from before (scrypt$N$r$p$salt$hash) still verify and are replaced on the next successful sign-in
 * (needsRehash). Contact passwords have their own, cheaper hash: see hashContactPassword.
 */
export type Argon2Cost = { memory: number; passes: number; parallelism: number };
export const STAFF_COST: Argon2Cost = { memory: 19_456, passes: 2, parallelism: 1 };
const KEYLEN = 32;

function argon2(password: string, salt: Buffer, cost: Argon2Cost): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    argon2Cb("argon2id", { message: password.normalize("NFC"), nonce: salt, tagLength: KEYLEN, ...cost }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

type ScryptCost = { N: number; r: number; p: number };
function scrypt(password: string, salt: Buffer, o: ScryptCost): Promise<Buffer> {
  const options: ScryptOptions = { N: o.N, r: o.r, p: o.p, maxmem: 128 * o.N * o.r * 2 };
  return new Promise((resolve, reject) =>
    scryptCb(password.normalize("NFC"), salt, KEYLEN, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

const b64 = (b: Buffer) => b.toString("base64").replace(/=+$/, "");

/** A staff password's hash (tests pass a lower cost; the cost is stored in the hash). */
export async function hashPassword(password: string, cost: Argon2Cost = STAFF_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await argon2(password, salt, cost);
  return `$argon2id$v=19$m=${cost.memory},t=${cost.passes},p=${cost.parallelism}$${b64(salt)}$${b64(key)}`;
}

/**
 * Contact passwords (a contact's own login, carried in import files): scrypt N=2^12, r=8 — about 4 MiB and a
 * few milliseconds each. An import may carry hundreds of thousands of them, hashed inside the run, where the
 * staff cost (19 MiB, tens of milliseconds) would make a large import take hours. They are stored as scrypt
 * hashes, never shown, and verify with verifyPassword like staff ones.
 */
export const CONTACT_PASSWORD_COST: ScryptCost = { N: 1 << 12, r: 8, p: 1 };
export async function hashContactPassword(password: string, cost: ScryptCost = CONTACT_PASSWORD_COST) {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, cost);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

const ARGON2ID = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function parseArgon2(stored: string): { cost: Argon2Cost; salt: Buffer; hash: Buffer } | null {
  const m = ARGON2ID.exec(stored);
  if (!m) return null;
  const cost = { memory: Number(m[1]), passes: Number(m[2]), parallelism: Number(m[3]) };
  return { cost, salt: Buffer.from(m[4], "base64"), hash: Buffer.from(m[5], "base64") };
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const a = parseArgon2(stored);
  if (a) {
    const key = await argon2(password, a.salt, a.cost).catch(() => null);
    return key !== null && key.length === a.hash.length && timingSafeEqual(key, a.hash);
  }
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [, n, r, p, salt, hash] = parts;
  const expected = Buffer.from(hash, "base64");
  const key = await scrypt(password, Buffer.from(salt, "base64"), { N: Number(n), r: Number(r), p: Number(p) }).catch(
    () => null,
  );
  return key !== null && key.length === expected.length && timingSafeEqual(key, expected);
}

/** True for a hash weaker than today's staff hash: an older scrypt one, or argon2id at a lower cost. */
export function needsRehash(stored: string): boolean {
  const a = parseArgon2(stored);
  if (!a) return true;
  return (
    a.cost.memory < STAFF_COST.memory ||
    a.cost.passes < STAFF_COST.passes ||
    a.cost.parallelism < STAFF_COST.parallelism
  );
}

/** A hash that costs as much as a real check, for unknown users (keeps timing even). */
export const DUMMY_HASH = `$argon2id$v=19$m=${STAFF_COST.memory},t=${STAFF_COST.passes},p=${STAFF_COST.parallelism}$${b64(Buffer.alloc(16))}$${b64(Buffer.alloc(KEYLEN))}`;

export function generatePassword(): string {
  return randomBytes(18).toString("base64url");
}
