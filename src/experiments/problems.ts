/**
 * The built-in bilevel problems of the experiments: reward learning from simulated preferences
 * (RLHF) and reward design with an additive true-reward utility, on the Sutton & Barto gridworld
 * and on Garnet MDPs; and the seeded problem families of the rlhf experiment (gridworlds whose
 * special states or start distribution are drawn from the seed, and Garnets).
 */
import type { BilevelProblem } from '../algorithm/aparl.js';
import { bradleyTerryTeacher } from '../upperLevel/types.js';
import { garnetOrThrow, getOrThrow, suttonBartoGridworld, validateMdpWithReward, type MdpWithReward } from '../mdp/index.js';
import { makeRng } from '../random/rng.js';
import type { RewardModel } from '../reward/rewardModel.js';

/** Environments the experiments know. */
export const ENVIRONMENTS = ['gridworld', 'garnet'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** A Garnet MDP for the experiments (S = 8, A = 3, branching 3, γ = 0.9), seeded. */
const garnetEnv = (seed: number) => {
  const g = garnetOrThrow({ S: 8, A: 3, branching: 3, gamma: 0.9, seed });
  return { mdp: g.mdp, rTrue: Float64Array.from(g.reward) };
};

/** The gridworld's true reward in the linear features the reward model sees: [from A, from B, off-grid]. */
const gridworldFeatures = (reward: Readonly<Float64Array>): Float64Array => {
  const n = reward.length;
  const f = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    if (reward[i] === 10) f[i * 3] = 1;
    else if (reward[i] === 5) f[i * 3 + 1] = 1;
    else if (reward[i] === -1) f[i * 3 + 2] = 1;
  }
  return f;
};

/**
 * RLHF: the lower level optimises r_ν, the upper level maximises the log-likelihood of a
 * Bradley–Terry teacher's labels on pairs of length-H segments drawn from π_θ (MATH.md §7).
 * Gridworld: linear reward over three features (d = 3). Garnet: tabular reward (d = S·A).
 */
export const rlhfProblem = (env: Environment, seed: number, teacherBeta = 1): BilevelProblem => {
  if (env === 'gridworld') {
    const { mdp, reward } = suttonBartoGridworld({ gamma: 0.9 });
    const model: RewardModel = { kind: 'linear', S: mdp.S, A: mdp.A, k: 3, features: gridworldFeatures(reward) };
    return {
      name: 'rlhf-gridworld', mdp, model, rTrue: reward,
      upper: { kind: 'preference', teacher: bradleyTerryTeacher(teacherBeta), rTrue: reward, H: 2 },
      nu0: new Float64Array(3), theta0: new Float64Array(mdp.S * mdp.A),
    };
  }
  const { mdp, rTrue } = garnetEnv(seed);
  const model: RewardModel = { kind: 'tabular', S: mdp.S, A: mdp.A };
  return {
    name: 'rlhf-garnet', mdp, model, rTrue,
    upper: { kind: 'preference', teacher: bradleyTerryTeacher(4 * teacherBeta), rTrue, H: 2 },
    nu0: new Float64Array(mdp.S * mdp.A), theta0: new Float64Array(mdp.S * mdp.A),
  };
};

/**
 * Reward design: the upper level's utility is the true reward (additive, fixed table u = r_true);
 * the lower level sees only r_ν (tabular). The myopic gradient is identically zero here.
 */
export const designProblem = (env: Environment, seed: number): BilevelProblem => {
  const { mdp, rTrue } = env === 'gridworld'
    ? (() => { const g = suttonBartoGridworld({ gamma: 0.9 }); return { mdp: g.mdp, rTrue: Float64Array.from(g.reward) }; })()
    : garnetEnv(seed);
  const model: RewardModel = { kind: 'tabular', S: mdp.S, A: mdp.A };
  return {
    name: `design-${env}`, mdp, model, rTrue,
    upper: { kind: 'additive', utility: { kind: 'additive', u: rTrue } },
    nu0: new Float64Array(mdp.S * mdp.A), theta0: new Float64Array(mdp.S * mdp.A),
  };
};

// ---------------------------------------------------------------------------------------------
// Seeded problem families of the rlhf experiment

/**
 * A gridworld in the manner of Sutton & Barto's Example 3.5: an n×n grid, actions N, S, E, W; from
 * the special state A every action moves to A' with reward +10, from B to B' with +5; a move off
 * the grid leaves the state unchanged with −1, any other move 0. `rho` is the start distribution.
 */
export interface GridworldLayout {
  readonly size: number;
  readonly a: number;
  readonly aPrime: number;
  readonly b: number;
  readonly bPrime: number;
  readonly rho: ReadonlyArray<number>;
}

const GRID_MOVES: ReadonlyArray<readonly [number, number]> = [[-1, 0], [1, 0], [0, 1], [0, -1]];

/** The MDP and true reward of a gridworld layout (γ = 0.9), validated. */
export const layoutGridworld = (layout: GridworldLayout, gamma = 0.9): MdpWithReward => {
  const n = layout.size;
  const S = n * n;
  const A = GRID_MOVES.length;
  const P = new Float64Array(S * A * S);
  const reward = new Float64Array(S * A);
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) {
      const s = n * row + col;
      for (let a = 0; a < A; a++) {
        let next: number;
        let r: number;
        if (s === layout.a) [next, r] = [layout.aPrime, 10];
        else if (s === layout.b) [next, r] = [layout.bPrime, 5];
        else {
          const nr = row + GRID_MOVES[a][0];
          const nc = col + GRID_MOVES[a][1];
          const off = nr < 0 || nr >= n || nc < 0 || nc >= n;
          [next, r] = off ? [s, -1] : [n * nr + nc, 0];
        }
        P[(s * A + a) * S + next] = 1;
        reward[s * A + a] = r;
      }
    }
  }
  const name = `gridworld(n=${n},A=${layout.a},A'=${layout.aPrime},B=${layout.b},B'=${layout.bPrime})`;
  return getOrThrow(validateMdpWithReward(name, { S, A, gamma, P, rho: Float64Array.from(layout.rho) }, reward), `internal: ${name}`);
};

/** The problem families of the rlhf experiment. */
export const RLHF_FAMILIES = ['gridworld-teleports', 'gridworld-start', 'garnet'] as const;
export type RlhfFamily = (typeof RLHF_FAMILIES)[number];

/** Sizes of the rlhf experiment's problems (chosen for its time budget; see rlhf.ts). */
export const RLHF_GRID_SIZE = 4;
export const RLHF_GARNET = { S: 6, A: 3, branching: 2, gamma: 0.9 } as const;
/** Segment length of the preference queries and the teacher's rationality β (every family). */
export const RLHF_SEGMENT_LENGTH = 2;
export const RLHF_TEACHER_BETA = 1;
/**
 * The Garnet's true reward is this multiple of its uniform [0, 1) draw: one teacher (β = 1) then
 * serves every family (labels as informative as β = 4 on the unscaled reward), and the
 * maximum-likelihood reward on any data is r_true itself (the model is well specified).
 */
export const RLHF_GARNET_REWARD_SCALE = 4;

/** What varies with the seed in each family (written to the experiment's protocol). */
export const RLHF_FAMILY_ABOUT: Readonly<Record<RlhfFamily, string>> = {
  'gridworld-teleports': `${RLHF_GRID_SIZE}×${RLHF_GRID_SIZE} Sutton & Barto-style gridworld; the cells of A, A′, B, B′ (four distinct cells) drawn from the seed; uniform start; linear reward over the features [leaves A, leaves B, bumps into a wall] (d = 3; r_true = (10, 5, −1) is representable); Bradley–Terry teacher β = ${RLHF_TEACHER_BETA}`,
  'gridworld-start': `${RLHF_GRID_SIZE}×${RLHF_GRID_SIZE} gridworld with Sutton & Barto's special states at fixed cells (A = (0,1) → A′ = (${RLHF_GRID_SIZE - 1},1), B = (0,3) → B′ = (2,3)); the start distribution ρ drawn from the seed (a flat Dirichlet draw over all cells: normalised exponentials, so every cell can start a segment); the same linear reward and teacher as gridworld-teleports`,
  garnet: `Garnet MDP (S = ${RLHF_GARNET.S}, A = ${RLHF_GARNET.A}, branching ${RLHF_GARNET.branching}, γ = ${RLHF_GARNET.gamma}) and its reward drawn from the seed, r_true = ${RLHF_GARNET_REWARD_SCALE} × uniform [0, 1); tabular reward model (d = S·A); Bradley–Terry teacher β = ${RLHF_TEACHER_BETA}`,
};

/** The layout of a family's gridworld for a seed. */
export const rlhfGridworldLayout = (family: 'gridworld-teleports' | 'gridworld-start', seed: number): GridworldLayout => {
  const n = RLHF_GRID_SIZE;
  const S = n * n;
  const rng = makeRng(seed);
  if (family === 'gridworld-teleports') {
    // four distinct cells by a partial Fisher–Yates shuffle
    const cells = Array.from({ length: S }, (_, i) => i);
    for (let k = 0; k < 4; k++) {
      const j = k + rng.int(S - k);
      [cells[k], cells[j]] = [cells[j], cells[k]];
    }
    return { size: n, a: cells[0], aPrime: cells[1], b: cells[2], bPrime: cells[3], rho: Array.from({ length: S }, () => 1 / S) };
  }
  // flat-Dirichlet weights on every cell (normalised exponentials): every cell can start a segment
  const w = Array.from({ length: S }, () => -Math.log(1 - rng.uniform()));
  const total = w.reduce((x, y) => x + y, 0);
  return { size: n, a: 1, aPrime: n * (n - 1) + 1, b: 3, bPrime: 2 * n + 3, rho: w.map((x) => x / total) };
};

/** The features [leaves A, leaves B, bumps into a wall] of a layout's gridworld, an (S·A)×3 table. */
const layoutFeatures = (g: MdpWithReward, layout: GridworldLayout): Float64Array => {
  const { S, A, P } = g.mdp;
  const f = new Float64Array(S * A * 3);
  for (let s = 0; s < S; s++) {
    for (let a = 0; a < A; a++) {
      const sa = s * A + a;
      if (s === layout.a) f[sa * 3] = 1;
      else if (s === layout.b) f[sa * 3 + 1] = 1;
      else if (P[sa * S + s] === 1) f[sa * 3 + 2] = 1;
    }
  }
  return f;
};

/**
 * One problem of a family for a seed (MATH.md §7): the lower level optimises r_ν, the upper
 * level maximises the log-likelihood of a Bradley–Terry teacher's labels on pairs of length-H
 * segments. `trueNu` is the ν with r_ν = r_true (exact: both models represent r_true).
 */
export const rlhfFamilyProblem = (family: RlhfFamily, seed: number): BilevelProblem & { readonly trueNu: Float64Array } => {
  const H = RLHF_SEGMENT_LENGTH;
  if (family === 'garnet') {
    const g = garnetOrThrow({ ...RLHF_GARNET, seed });
    const rTrue = Float64Array.from(g.reward, (x) => RLHF_GARNET_REWARD_SCALE * x);
    const { mdp } = g;
    return {
      name: `${family}-${seed}`, mdp, model: { kind: 'tabular', S: mdp.S, A: mdp.A }, rTrue,
      upper: { kind: 'preference', teacher: bradleyTerryTeacher(RLHF_TEACHER_BETA), rTrue, H },
      nu0: new Float64Array(mdp.S * mdp.A), theta0: new Float64Array(mdp.S * mdp.A), trueNu: Float64Array.from(rTrue),
    };
  }
  const layout = rlhfGridworldLayout(family, seed);
  const g = layoutGridworld(layout);
  const { mdp } = g;
  const rTrue = Float64Array.from(g.reward);
  return {
    name: `${family}-${seed}`, mdp, model: { kind: 'linear', S: mdp.S, A: mdp.A, k: 3, features: layoutFeatures(g, layout) }, rTrue,
    upper: { kind: 'preference', teacher: bradleyTerryTeacher(RLHF_TEACHER_BETA), rTrue, H },
    nu0: new Float64Array(3), theta0: new Float64Array(mdp.S * mdp.A), trueNu: Float64Array.from([10, 5, -1]),
  };
};
