/**
 * The tabular softmax policy (MATH.md §2), as a record of pure functions.
 *
 * `π_θ(a|s) = exp(θ[s,a]) / Σ_b exp(θ[s,b])`, computed with the row maximum subtracted, so
 * every quantity is finite for any finite θ (probabilities may underflow to 0, log-probabilities
 * never reach −∞). Tables are flat `S×A`, index `s*A + a`.
 */

/** The softmax policy over `S` states and `A` actions. */
export interface SoftmaxPolicy {
  readonly S: number;
  readonly A: number;
  /** π_θ(a|s) for every (s, a) (MATH.md §2). */
  readonly probs: (theta: Readonly<Float64Array>) => Float64Array;
  /** log π_θ(a|s) for every (s, a), via the max-subtracted log-sum-exp (MATH.md §2). */
  readonly logProbs: (theta: Readonly<Float64Array>) => Float64Array;
  /** log π_θ(a|s) for one (s, a). */
  readonly logProb: (theta: Readonly<Float64Array>, s: number, a: number) => number;
  /** Score `∂ log π(a|s)/∂θ[s',b] = 1[s=s'](1[a=b] − π(b|s))`, as a full `S×A` vector (MATH.md §2). */
  readonly score: (theta: Readonly<Float64Array>, s: number, a: number) => Float64Array;
  /** Entropy `−Σ_a π(a|s) log π(a|s)` of every state's action distribution. */
  readonly entropy: (theta: Readonly<Float64Array>) => Float64Array;
}

/**
 * The row's log-normaliser split as `m + T·ℓ`: `m = max_a x[s,a]` and
 * `ℓ = log1p(Σ_{a≠a_max} exp((x[s,a] − m)/T))`, so `T log Σ_a exp(x[s,a]/T) = m + T·ℓ` (T = 1 for
 * logits; T = λ for the soft Bellman backup of Q). Keeping the two apart means no overflow, and
 * `log π = (x − m)/T − ℓ` keeps a near-certain action's `−ℓ ≈ −Σ rest` instead of a rounded 0.
 * This is the library's one log-sum-exp.
 */
export const rowLogNormaliser = (x: Readonly<Float64Array>, A: number, s: number, temperature = 1): { readonly m: number; readonly l: number } => {
  const o = s * A;
  let m = -Infinity;
  let am = 0;
  for (let a = 0; a < A; a++) if (x[o + a] > m) { m = x[o + a]; am = a; }
  let rest = 0;
  for (let a = 0; a < A; a++) if (a !== am) rest += Math.exp((x[o + a] - m) / temperature);
  return { m, l: Math.log1p(rest) };
};

/** log Σ_a exp(θ[s,a]) for row `s` (max-subtracted). */
export const rowLogSumExp = (theta: Readonly<Float64Array>, A: number, s: number): number => {
  const { m, l } = rowLogNormaliser(theta, A, s);
  return m + l;
};

/** log π_θ for all (s, a): `(θ[s,a] − m) − ℓ` (MATH.md §2; see `rowLogNormaliser`). */
export const softmaxLogProbs = (theta: Readonly<Float64Array>, S: number, A: number): Float64Array => {
  const out = new Float64Array(S * A);
  for (let s = 0; s < S; s++) {
    const o = s * A;
    const { m, l } = rowLogNormaliser(theta, A, s);
    for (let a = 0; a < A; a++) out[o + a] = theta[o + a] - m - l;
  }
  return out;
};

/** π_θ for all (s, a) (MATH.md §2); rows sum to 1 up to rounding. */
export const softmaxProbs = (theta: Readonly<Float64Array>, S: number, A: number): Float64Array => {
  const out = new Float64Array(S * A);
  for (let s = 0; s < S; s++) {
    const o = s * A;
    let m = -Infinity;
    for (let a = 0; a < A; a++) if (theta[o + a] > m) m = theta[o + a];
    let z = 0;
    for (let a = 0; a < A; a++) {
      const e = Math.exp(theta[o + a] - m);
      out[o + a] = e;
      z += e;
    }
    for (let a = 0; a < A; a++) out[o + a] /= z;
  }
  return out;
};

/** Per-state entropy `−Σ_a π log π` (finite: log π is finite for finite θ). */
export const softmaxEntropy = (theta: Readonly<Float64Array>, S: number, A: number): Float64Array => {
  const pi = softmaxProbs(theta, S, A);
  const logPi = softmaxLogProbs(theta, S, A);
  const out = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    let h = 0;
    for (let a = 0; a < A; a++) h -= pi[s * A + a] * logPi[s * A + a];
    out[s] = h;
  }
  return out;
};

/** The softmax policy record for an `S×A` table of logits (MATH.md §2). */
export const softmaxPolicy = (S: number, A: number): SoftmaxPolicy => ({
  S,
  A,
  probs: (theta) => softmaxProbs(theta, S, A),
  logProbs: (theta) => softmaxLogProbs(theta, S, A),
  logProb: (theta, s, a) => {
    const { m, l } = rowLogNormaliser(theta, A, s);
    return theta[s * A + a] - m - l;
  },
  score: (theta, s, a) => {
    const g = new Float64Array(S * A);
    const { m, l } = rowLogNormaliser(theta, A, s);
    for (let b = 0; b < A; b++) g[s * A + b] = (a === b ? 1 : 0) - Math.exp(theta[s * A + b] - m - l);
    return g;
  },
  entropy: (theta) => softmaxEntropy(theta, S, A),
});

/**
 * `Σ_{s,a} w[s,a] ∇_θ log π_θ(a|s)`, i.e. `out[s,b] = w[s,b] − π(b|s) Σ_a w[s,a]` (MATH.md §2: the
 * score's transpose applied to weights w). The gradient in θ of any `E_π[…]` whose score weights are w.
 */
export const scoreTransposeApply = (pi: Readonly<Float64Array>, w: Readonly<Float64Array>, A: number): Float64Array => {
  const out = new Float64Array(w.length);
  for (let o = 0; o < w.length; o += A) {
    let sum = 0;
    for (let a = 0; a < A; a++) sum += w[o + a];
    for (let b = 0; b < A; b++) out[o + b] = w[o + b] - pi[o + b] * sum;
  }
  return out;
};
