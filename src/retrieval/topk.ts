/**
 * Partial top-k selection over one row of scores with a small binary heap: O(n log k) time, O(k)
 * memory, and a fixed tie-break (the lower index wins), so that rankings repeat exactly.
 */

/**
 * A reusable top-k selector. The heap's root is the worst kept entry: the lowest score, and among
 * equal scores the highest index. Scanning indices in increasing order, a new entry replaces the
 * root only when its score is strictly higher, which keeps the lower index on ties.
 */
export class TopK {
  private readonly scores: Float32Array;
  private readonly indices: Int32Array;
  private size = 0;

  /** @param k how many entries to keep, an integer ≥ 1. */
  constructor(readonly k: number) {
    this.scores = new Float32Array(k);
    this.indices = new Int32Array(k);
  }

  /**
   * Selects the k highest of `row[start + j]` for j in [0, n), skipping index `skip` (pass -1 to
   * skip nothing), and writes them best first to `outIndices` / `outScores` from `outOffset`;
   * slots beyond the number of candidates get index -1 and score NaN.
   */
  select(
    row: Float32Array,
    start: number,
    n: number,
    skip: number,
    outIndices: Int32Array,
    outScores: Float32Array,
    outOffset: number,
  ): void {
    const k = this.k;
    const scores = this.scores;
    const indices = this.indices;
    this.size = 0;
    let j = 0;
    for (; j < n && this.size < k; j++) {
      if (j !== skip) this.push(row[start + j], j);
    }
    let threshold = this.size === k ? scores[0] : -Infinity;
    for (; j < n; j++) {
      const s = row[start + j];
      if (s > threshold && j !== skip) {
        scores[0] = s;
        indices[0] = j;
        this.siftDown(0);
        threshold = scores[0];
      }
    }
    this.drain(outIndices, outScores, outOffset);
  }

  private push(score: number, index: number): void {
    let i = this.size++;
    const scores = this.scores;
    const indices = this.indices;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!worse(score, index, scores[parent], indices[parent])) break;
      scores[i] = scores[parent];
      indices[i] = indices[parent];
      i = parent;
    }
    scores[i] = score;
    indices[i] = index;
  }

  private siftDown(from: number): void {
    const scores = this.scores;
    const indices = this.indices;
    const size = this.size;
    const score = scores[from];
    const index = indices[from];
    let i = from;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) break;
      const right = left + 1;
      let child = left;
      if (right < size && worse(scores[right], indices[right], scores[left], indices[left])) {
        child = right;
      }
      if (!worse(scores[child], indices[child], score, index)) break;
      scores[i] = scores[child];
      indices[i] = indices[child];
      i = child;
    }
    scores[i] = score;
    indices[i] = index;
  }

  /** Pops the worst entry into the last free slot until the heap is empty: best ends up first. */
  private drain(outIndices: Int32Array, outScores: Float32Array, outOffset: number): void {
    const scores = this.scores;
    const indices = this.indices;
    for (let slot = this.size; slot < this.k; slot++) {
      outIndices[outOffset + slot] = -1;
      outScores[outOffset + slot] = NaN;
    }
    while (this.size > 0) {
      const last = --this.size;
      outIndices[outOffset + last] = indices[0];
      outScores[outOffset + last] = scores[0];
      if (last > 0) {
        scores[0] = scores[last];
        indices[0] = indices[last];
        this.siftDown(0);
      }
    }
  }
}

/** Whether entry a ranks below entry b: a lower score, or an equal score and a higher index. */
function worse(scoreA: number, indexA: number, scoreB: number, indexB: number): boolean {
  return scoreA < scoreB || (scoreA === scoreB && indexA > indexB);
}
