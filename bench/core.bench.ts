/**
 * Benchmark of the float64 core (never a timed test): evaluate (π, V, Q, Adv, d, J, ∇J) on
 * Garnet MDPs with A = 8, S ∈ {20, 100, 400}. Prints medians and the growth with S.
 *
 *   npm run bench            (builds, then runs this file from dist/)
 *
 * Reference on this machine class (numpy + OpenBLAS/LAPACK, same work): ≈ 0.08 ms (S = 20),
 * 0.28 ms (S = 100), 5.2 ms (S = 400).
 */
import * as E from 'fp-ts/lib/Either.js';
import { garnet } from '../src/mdp/index.js';
import { policyGradientFromEvaluation } from '../src/gradient/policyGradient.js';
import { evaluatePolicy } from '../src/value/policyEvaluation.js';
import { makeRng } from '../src/random/rng.js';
import { timeIt } from './timing.js';

const NUMPY_MS: Record<number, number> = { 20: 0.08, 100: 0.28, 400: 5.2 };



const A = 8;
const branching = 5;
const rows: Array<{ S: number; ms: number }> = [];
console.log(`core evaluation (π, V, Q, Adv, d, J, ∇J), Garnet A=${A}, branching=${branching}, γ=0.9, λ=0.1`);
console.log('S      median ms   runs   numpy ms   ratio (ours/numpy)');
for (const S of [20, 100, 400]) {
  const built = garnet({ S, A, branching, gamma: 0.9, seed: 1000 + S });
  if (E.isLeft(built)) throw new Error('garnet failed');
  const { mdp, reward } = built.right;
  const rng = makeRng(S);
  const theta = Float64Array.from({ length: S * A }, () => rng.normal());
  const { medianMs, runs } = timeIt(() => {
    const ev = evaluatePolicy(mdp, reward, theta, 0.1);
    policyGradientFromEvaluation(mdp, ev);
  }, S >= 400 ? 4000 : 1500);
  rows.push({ S, ms: medianMs });
  console.log(
    `${String(S).padEnd(6)} ${medianMs.toFixed(3).padStart(9)}  ${String(runs).padStart(6)}  ${NUMPY_MS[S].toFixed(2).padStart(8)}   ${(medianMs / NUMPY_MS[S]).toFixed(2)}×`,
  );
}
for (let i = 1; i < rows.length; i++) {
  const growth = Math.log(rows[i].ms / rows[i - 1].ms) / Math.log(rows[i].S / rows[i - 1].S);
  console.log(`growth S=${rows[i - 1].S}→${rows[i].S}: time ∝ S^${growth.toFixed(2)}`);
}
