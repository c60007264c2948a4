/**
 * The built-in bilevel problems of the experiments: reward learning from simulated preferences
 * (RLHF) and reward design with an additive true-reward utility, on the Sutton & Barto gridworld
 * and on Garnet MDPs.
 */
import type { BilevelProblem } from '../algorithm/aparl.js';
import { bradleyTerryTeacher } from '../upperLevel/types.js';
import { garnetOrThrow, suttonBartoGridworld } from '../mdp/index.js';
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
