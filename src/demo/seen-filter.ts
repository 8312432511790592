/**
 * A fixed-size bit set of hashed (name, birth date) keys. It can answer "maybe seen" for a
 * key never added (a hash clash), but never "not seen" for one that was, so using it to
 * avoid duplicates is exact in the direction that matters; a clash only costs a redraw.
 * Memory stays bounded (at most 16 MiB) however many residents are generated.
 */
export class SeenFilter {
  readonly #bits: Uint32Array;
  readonly #mask: number;

  constructor(expected: number) {
    // About 32 bits per key keeps clashes near 3%, between 4 KiB and 16 MiB.
    let size = 1 << 15;
    while (size < expected * 32 && size < 1 << 27) size *= 2;
    this.#bits = new Uint32Array(size >>> 5);
    this.#mask = size - 1;
  }

  has(hash: number): boolean {
    const i = hash & this.#mask;
    return ((this.#bits[i >>> 5] ?? 0) & (1 << (i & 31))) !== 0;
  }

  add(hash: number): void {
    const i = hash & this.#mask;
    this.#bits[i >>> 5] = (this.#bits[i >>> 5] ?? 0) | (1 << (i & 31));
  }
}
