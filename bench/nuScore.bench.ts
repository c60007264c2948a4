/**
 * Benchmark of the ν-score (never a timed test): the closed-form ψ materialised (`(S·A)×d`, tabular
 * reward so d = S·A) against the vector-Jacobian form `Σ w ψ` that the upper-level gradient
 * needs, on Garnet MDPs with A = 8, S ∈ {20, 100, 400}, λ = 0.1, γ = 0.9, θ* precomputed.
 *
 * Reference on this machine class (numpy/LAPACK): materialised ψ ≈ 0.43, 7.3, 169 ms.
 */
import * as E from 'fp-ts/lib/Either.js';
import { garnet } from '../src/mdp/index.js';
import { nuScoreClosedForm, nuScoreVjpClosedForm } from '../src/nuScore/closedForm.js';
import { softOptimum } from '../src/optimal/index.js';
import type { RewardModel } from '../src/reward/rewardModel.js';
import { makeRng } from '../src/random/rng.js';
import { timeIt } from './timing.js';

const NUMPY_PSI_MS: Record<number, number> = { 20: 0.43, 100: 7.3, 400: 169 };


const A = 8;
console.log('ν-score, Garnet A=8, branching=5, γ=0.9, λ=0.1, tabular reward (d = S·A)');
console.log('S      ψ materialised ms   numpy ms   VJP Σwψ ms   materialised/VJP');
for (const S of [20, 100, 400]) {
  const built = garnet({ S, A, branching: 5, gamma: 0.9, seed: 2000 + S });
  if (E.isLeft(built)) throw new Error('garnet failed');
  const { mdp, reward } = built.right;
  const o = softOptimum(mdp, reward, 0.1);
  if (E.isLeft(o)) throw new Error(o.left.message);
  const model: RewardModel = { kind: 'tabular', S, A };
  const rng = makeRng(S);
  const w = Float64Array.from({ length: S * A }, () => rng.normal());
  const psiMs = timeIt(() => { nuScoreClosedForm(mdp, model, o.right.piStar, 0.1); }, S >= 400 ? 6000 : 1500, S >= 400 ? 3 : 5).medianMs;
  const vjpMs = timeIt(() => { nuScoreVjpClosedForm(mdp, model, o.right.piStar, 0.1, w); }, 1500).medianMs;
  console.log(`${String(S).padEnd(6)} ${psiMs.toFixed(3).padStart(17)}   ${NUMPY_PSI_MS[S].toFixed(2).padStart(8)}   ${vjpMs.toFixed(3).padStart(10)}   ${(psiMs / vjpMs).toFixed(1)}×`);
}
