/**
 * `I − γP_π` as compressed sparse rows (MATH.md §3), built from P's successor lists. Its entries
 * are accumulated in the same order as the dense `bellmanMatrixOfPolicy`, so they are the same
 * numbers; a Garnet row has at most A·branching + 1 of them instead of S.
 */
import { successorsOf } from '../mdp/successors.js';
import type { Mdp } from '../mdp/types.js';

/** Row `s` holds the columns `cols[k]` and values `vals[k]` for `k ∈ [offsets[s], offsets[s+1])`. */
export interface SparseBellman {
  readonly n: number;
  readonly offsets: Int32Array;
  readonly cols: Int32Array;
  readonly vals: Float64Array;
  /** ‖I − γP_π‖_∞ (max absolute row sum). */
  readonly normInf: number;
  /** ‖I − γP_π‖_1 (max absolute column sum). */
  readonly norm1: number;
}

/** `I − γP_π` for a policy table π, sparse (MATH.md §3). */
export const sparseBellmanOfPolicy = (mdp: Mdp, pi: Readonly<Float64Array>): SparseBellman => {
  const { S, A, gamma } = mdp;
  const succ = successorsOf(mdp);
  // dense scratch row with a list of touched columns: entries sum in the dense kernel's order
  const row = new Float64Array(S);
  const seen = new Int32Array(S).fill(-1);
  const touched = new Int32Array(S);
  const offsets = new Int32Array(S + 1);
  let cols = new Int32Array(Math.max(16, S * 4));
  let vals = new Float64Array(cols.length);
  let nnz = 0;
  const colSums = new Float64Array(S);
  let normInf = 0;
  for (let s = 0; s < S; s++) {
    let count = 0;
    for (let a = 0; a < A; a++) {
      const w = gamma * pi[s * A + a];
      if (w === 0) continue;
      const sa = s * A + a;
      for (let k = succ.offsets[sa]; k < succ.offsets[sa + 1]; k++) {
        const t = succ.next[k];
        if (seen[t] !== s) {
          seen[t] = s;
          row[t] = 0;
          touched[count++] = t;
        }
        row[t] -= w * succ.prob[k];
      }
    }
    if (seen[s] !== s) {
      seen[s] = s;
      row[s] = 0;
      touched[count++] = s;
    }
    row[s] += 1;
    if (nnz + count > cols.length) {
      const grow = Math.max(cols.length * 2, nnz + count);
      const c2 = new Int32Array(grow);
      c2.set(cols);
      cols = c2;
      const v2 = new Float64Array(grow);
      v2.set(vals);
      vals = v2;
    }
    const sorted = touched.subarray(0, count).sort();
    let rowSum = 0;
    for (let i = 0; i < count; i++) {
      const t = sorted[i];
      cols[nnz] = t;
      vals[nnz] = row[t];
      rowSum += Math.abs(row[t]);
      colSums[t] += Math.abs(row[t]);
      nnz++;
    }
    normInf = Math.max(normInf, rowSum);
    offsets[s + 1] = nnz;
  }
  let norm1 = 0;
  for (let t = 0; t < S; t++) norm1 = Math.max(norm1, colSums[t]);
  return { n: S, offsets, cols: cols.slice(0, nnz), vals: vals.slice(0, nnz), normInf, norm1 };
};

/** `out = M v` for a sparse M. */
export const sparseMatVec = (M: SparseBellman, v: Readonly<Float64Array>, out: Float64Array): void => {
  const { n, offsets, cols, vals } = M;
  for (let s = 0; s < n; s++) {
    let acc = 0;
    for (let k = offsets[s]; k < offsets[s + 1]; k++) acc += vals[k] * v[cols[k]];
    out[s] = acc;
  }
};

/** `out = Mᵀ v` for a sparse M. */
export const sparseMatTVec = (M: SparseBellman, v: Readonly<Float64Array>, out: Float64Array): void => {
  const { n, offsets, cols, vals } = M;
  out.fill(0);
  for (let s = 0; s < n; s++) {
    const vs = v[s];
    for (let k = offsets[s]; k < offsets[s + 1]; k++) out[cols[k]] += vals[k] * vs;
  }
};
