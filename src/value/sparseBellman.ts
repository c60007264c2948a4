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
  const n = M.n;
  const offsets = M.offsets;
  const cols = M.cols;
  const vals = M.vals;
  let k = offsets[0];
  for (let s = 0; s < n; s++) {
    const end = offsets[s + 1];
    // two partial sums (a shorter dependency chain); the order is fixed, so the result is deterministic
    let acc0 = 0;
    let acc1 = 0;
    for (; k + 1 < end; k += 2) {
      acc0 += vals[k] * v[cols[k]];
      acc1 += vals[k + 1] * v[cols[k + 1]];
    }
    if (k < end) {
      acc0 += vals[k] * v[cols[k]];
      k++;
    }
    out[s] = acc0 + acc1;
  }
};

/** `Mᵀ` as compressed sparse rows (a counting sort of M's entries by column; rows of Mᵀ in ascending order). */
export const sparseTranspose = (M: SparseBellman): SparseBellman => {
  const { n, offsets, cols, vals } = M;
  const nnz = cols.length;
  const tOffsets = new Int32Array(n + 1);
  for (let k = 0; k < nnz; k++) tOffsets[cols[k] + 1]++;
  for (let t = 0; t < n; t++) tOffsets[t + 1] += tOffsets[t];
  const fill = tOffsets.slice(0, n);
  const tCols = new Int32Array(nnz);
  const tVals = new Float64Array(nnz);
  for (let s = 0; s < n; s++) {
    for (let k = offsets[s]; k < offsets[s + 1]; k++) {
      const at = fill[cols[k]]++;
      tCols[at] = s;
      tVals[at] = vals[k];
    }
  }
  return { n, offsets: tOffsets, cols: tCols, vals: tVals, normInf: M.norm1, norm1: M.normInf };
};

/** `out = Mᵀ v` for a sparse M (scatter through M's rows; `sparseMatVec(sparseTranspose(M), …)` gathers instead). */
export const sparseMatTVec = (M: SparseBellman, v: Readonly<Float64Array>, out: Float64Array): void => {
  const n = M.n;
  const offsets = M.offsets;
  const cols = M.cols;
  const vals = M.vals;
  out.fill(0);
  let k = offsets[0];
  for (let s = 0; s < n; s++) {
    const end = offsets[s + 1];
    const vs = v[s];
    for (; k < end; k++) out[cols[k]] += vals[k] * vs;
  }
};
