/**
 * A Bloom filter over the normalised keys of one file: answers "certainly not seen before" or "maybe seen".
 * Its size is fixed (8 MiB), so memory does not grow with the file; false "maybe" answers only make the
 * duplicate check in SQL look at a few more keys (about 1 in 100,000 keys at a million rows).
 */
const BITS = 1 << 26;
const PROBES = 4;

export class KeyFilter {
  private readonly words = new Uint32Array(BITS >>> 5);

  /** Adds `key`; returns true when it may have been added before (false: it certainly was not). */
  add(key: string): boolean {
    // Two independent 32-bit hashes (FNV-1a and a multiplicative mix), combined for the probes (double hashing).
    let h1 = 0x811c9dc5;
    let h2 = 0x9e3779b1;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    h2 |= 1;
    let seen = true;
    for (let p = 0; p < PROBES; p++) {
      const bit = (h1 + Math.imul(p, h2)) & (BITS - 1);
      const word = bit >>> 5;
      const mask = 1 << (bit & 31);
      if ((this.words[word] & mask) === 0) {
        seen = false;
        this.words[word] |= mask;
      }
    }
    return seen;
  }
}
