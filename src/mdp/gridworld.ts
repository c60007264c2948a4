/**
 * The 5×5 gridworld of Sutton & Barto, "Reinforcement Learning: An Introduction" (2nd ed.),
 * Example 3.5 (Figure 3.2), as a tabular MDP (MATH.md §1).
 */
import type { MdpWithReward } from './types.js';
import { finish, getOrThrow, makeErrorLog, readGamma, validateMdpWithReward, type Validation } from './validate.js';
import * as E from 'fp-ts/lib/Either.js';

/** Side of the grid; state `s = GRID_SIZE*row + col`. */
export const GRID_SIZE = 5;
/** Action 0: north (row − 1). */
export const GRID_NORTH = 0;
/** Action 1: south (row + 1). */
export const GRID_SOUTH = 1;
/** Action 2: east (col + 1). */
export const GRID_EAST = 2;
/** Action 3: west (col − 1). */
export const GRID_WEST = 3;
/** State index `s = 5·row + col` of a cell, row 0 on top (MATH.md §1 state numbering). */
export const gridState = (row: number, col: number): number => GRID_SIZE * row + col;
/** Special state A = (0,1): every action moves to A' with reward +10. */
export const GRID_A = gridState(0, 1);
/** A' = (4,1). */
export const GRID_A_PRIME = gridState(4, 1);
/** Special state B = (0,3): every action moves to B' with reward +5. */
export const GRID_B = gridState(0, 3);
/** B' = (2,3). */
export const GRID_B_PRIME = gridState(2, 3);

const MOVES: ReadonlyArray<readonly [number, number]> = [
  [-1, 0], // N
  [1, 0], // S
  [0, 1], // E
  [0, -1], // W
];

/**
 * Sutton & Barto Example 3.5 (MATH.md §1) as a validation: from A every action → A' (+10),
 * from B → B' (+5), a move off the grid leaves the state unchanged (−1), any other move 0;
 * ρ uniform. An invalid γ is a `Left`.
 */
export const suttonBartoGridworldE = (opts: { readonly gamma?: number } = {}): Validation<MdpWithReward> => {
  const log = makeErrorLog();
  // null is a value (refused by readGamma), only a missing γ takes the default
  const given = (opts ?? {}).gamma;
  const gamma = readGamma(given === undefined ? 0.9 : given, 'gamma', log);
  const args = finish(log, () => gamma as number);
  if (E.isLeft(args)) return args;
  const S = GRID_SIZE * GRID_SIZE;
  const A = MOVES.length;
  const P = new Float64Array(S * A * S);
  const reward = new Float64Array(S * A);
  for (let row = 0; row < GRID_SIZE; row++) {
    for (let col = 0; col < GRID_SIZE; col++) {
      const s = gridState(row, col);
      for (let a = 0; a < A; a++) {
        let next: number;
        let r: number;
        if (s === GRID_A) [next, r] = [GRID_A_PRIME, 10];
        else if (s === GRID_B) [next, r] = [GRID_B_PRIME, 5];
        else {
          const nr = row + MOVES[a][0];
          const nc = col + MOVES[a][1];
          const off = nr < 0 || nr >= GRID_SIZE || nc < 0 || nc >= GRID_SIZE;
          [next, r] = off ? [s, -1] : [gridState(nr, nc), 0];
        }
        P[(s * A + a) * S + next] = 1;
        reward[s * A + a] = r;
      }
    }
  }
  const rho = new Float64Array(S).fill(1 / S);
  const name = `sutton-barto-gridworld(gamma=${args.right})`;
  return E.right(getOrThrow(validateMdpWithReward(name, { S, A, gamma: args.right, P, rho }, reward), `internal: ${name}`));
};

/**
 * Sutton & Barto Example 3.5 gridworld (MATH.md §1; see `suttonBartoGridworldE`); throws a
 * RangeError only for γ ∉ [0, 1).
 */
export const suttonBartoGridworld = (opts: { readonly gamma?: number } = {}): MdpWithReward =>
  getOrThrow(suttonBartoGridworldE(opts), 'gridworld options');
