/**
 * The non-uniform Łojasiewicz constant of softmax policy gradient at λ = 0 (MATH.md §9; Mei, Xiao,
 * Szepesvári, Schuurmans, ICML 2020, Lemma 8): for any θ and a deterministic optimal policy π* with
 * actions a*(s),
 *
 *   ‖∇_θ J(θ)‖₂ ≥ c(θ) · (J* − J(θ)),   c(θ) = min_s π_θ(a*(s)|s) / (√S ‖d^{π*}_ρ / d^{π_θ}_ρ‖_∞).
 *
 * The ratio's ∞-norm runs over the states π* visits (`d*(s) > 0`): a state with `d*(s) = 0` adds
 * nothing to the performance difference `J* − J = Σ_s d*(s) Adv(s, a*(s)) / (1−γ)` the proof bounds,
 * so its ratio is 0, also when `d(s) = 0` as well (a state no policy reaches from ρ; 0/0 read as 0,
 * never NaN). A state π* visits but π_θ does not (`d(s) = 0 < d*(s)`, e.g. after underflow) makes
 * the ratio ∞ and `c = 0`, the trivial bound. The minimum over π_θ(a*(s)|s) runs over every state,
 * as in the lemma.
 *
 * Example (executed in `test/gradient/lojasiewicz.test.ts`): a one-state bandit has `d = d* = 1`,
 * so `c(θ) = π_θ(a*)`:
 *   meiLojasiewiczConstant(1, 3, Float64Array.of(0.25, 0.5, 0.25), Int32Array.of(1), Float64Array.of(1), Float64Array.of(1))   // 0.5
 */

/**
 * Mei et al. (2020, Lemma 8) `c(θ) = min_s π_θ(a*(s)|s) / (√S ‖d^{π*}_ρ / d^{π_θ}_ρ‖_∞)` (MATH.md §9),
 * from the policy table `pi` (S×A), the optimal actions `a*(s)`, `d* = d^{π*}_ρ` and `d = d^{π_θ}_ρ`
 * (float64, or float32 from a batched kernel).
 */
export const meiLojasiewiczConstant = (
  S: number,
  A: number,
  pi: Readonly<ArrayLike<number>>,
  optimalActions: Readonly<ArrayLike<number>>,
  dStar: Readonly<ArrayLike<number>>,
  d: Readonly<ArrayLike<number>>,
): number => {
  let minPi = Infinity;
  let maxRatio = 0;
  for (let s = 0; s < S; s++) {
    const p = pi[s * A + optimalActions[s]];
    if (p < minPi) minPi = p;
    if (dStar[s] > 0) {
      const ratio = d[s] > 0 ? dStar[s] / d[s] : Infinity;
      if (ratio > maxRatio) maxRatio = ratio;
    }
  }
  return minPi / (Math.sqrt(S) * maxRatio);
};
