/**
 * Top-k selection: keeps the k best (similarity, key) pairs seen so far in a binary min-heap, so
 * that scanning n candidates costs O(n log k). Ties in similarity go to the smaller key, which
 * makes exact search results independent of scan order.
 */

/** Collects the k pairs with the highest similarity (ties: smaller key first). */
export class TopK {
  private readonly similarities: Float64Array;
  private readonly keys: Float64Array;
  private size = 0;

  /** @param k how many pairs to keep (a positive integer) */
  constructor(readonly k: number) {
    this.similarities = new Float64Array(k);
    this.keys = new Float64Array(k);
  }

  /** Number of pairs kept so far (at most k). */
  get length(): number {
    return this.size;
  }

  /** The similarity a new pair must beat to enter once the heap is full (-Infinity before). */
  get threshold(): number {
    return this.size < this.k ? -Infinity : this.similarities[0];
  }

  /** Offers a pair; it is kept if it is among the k best so far. */
  push(similarity: number, key: number): void {
    if (this.size < this.k) {
      this.similarities[this.size] = similarity;
      this.keys[this.size] = key;
      this.size++;
      this.siftUp(this.size - 1);
      return;
    }
    if (!worse(this.similarities[0], this.keys[0], similarity, key)) return;
    this.similarities[0] = similarity;
    this.keys[0] = key;
    this.siftDown(0);
  }

  /** The kept pairs, best first. Leaves the collector empty. */
  drain(): { keys: number[]; similarities: number[] } {
    const count = this.size;
    const keys = new Array<number>(count);
    const similarities = new Array<number>(count);
    for (let i = count - 1; i >= 0; i--) {
      keys[i] = this.keys[0];
      similarities[i] = this.similarities[0];
      this.size--;
      if (this.size > 0) {
        this.similarities[0] = this.similarities[this.size];
        this.keys[0] = this.keys[this.size];
        this.siftDown(0);
      }
    }
    return { keys, similarities };
  }

  private siftUp(position: number): void {
    let i = position;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (
        !worse(this.similarities[i], this.keys[i], this.similarities[parent], this.keys[parent])
      ) {
        return;
      }
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(position: number): void {
    let i = position;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let worst = i;
      if (
        left < this.size &&
        worse(this.similarities[left], this.keys[left], this.similarities[worst], this.keys[worst])
      ) {
        worst = left;
      }
      if (
        right < this.size &&
        worse(
          this.similarities[right],
          this.keys[right],
          this.similarities[worst],
          this.keys[worst],
        )
      ) {
        worst = right;
      }
      if (worst === i) return;
      this.swap(i, worst);
      i = worst;
    }
  }

  private swap(a: number, b: number): void {
    const s = this.similarities[a];
    this.similarities[a] = this.similarities[b];
    this.similarities[b] = s;
    const key = this.keys[a];
    this.keys[a] = this.keys[b];
    this.keys[b] = key;
  }
}

/** Whether pair a ranks below pair b: lower similarity, or equal similarity and a larger key. */
function worse(similarityA: number, keyA: number, similarityB: number, keyB: number): boolean {
  return similarityA < similarityB || (similarityA === similarityB && keyA > keyB);
}
