/**
 * A Bloom filter over the normalised keys of one file: answers "certainly not seen before" or "maybe seen".
 * Its size is fixed (8 MiB), so memory does not grow with the file; false "maybe" answers only make the
 * duplicate check in SQL look at a few more keys (a few in 100,000 at a million rows). Blocked: the
 * probes of one key fall in one 64-byte block, so a key costs one cache miss instead of one per probe.
 */
const WORDS = 1 << 21; // 2^21 × 32 bits = 8 MiB
const BLOCK_WORDS = 16; // 512 bits = one cache line
const BLOCKS = WORDS / BLOCK_WORDS;
const PROBES = 4;

export class KeyFilter {
  private readonly words = new Uint32Array(WORDS);

  /** Adds `key`; returns true when it may have been added before (false: it certainly was not). */
  add(key: string): boolean {
    // Two independent 32-bit hashes (FNV-1a and a multiplicative mix): one picks the block, the other the bits.
    let h1 = 0x811c9dc5;
    let h2 = 0x9e3779b1;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    const base = ((h1 >>> 0) % BLOCKS) * BLOCK_WORDS;
    let seen = true;
    for (let p = 0; p < PROBES; p++) {
      const bit = (h2 >>> (p * 7)) & 511; // 9 bits per probe, from overlapping windows of h2
      const word = base + (bit >>> 5);
      const mask = 1 << (bit & 31);
      if ((this.words[word] & mask) === 0) {
        seen = false;
        this.words[word] |= mask;
      }
    }
    return seen;
  }
}
