/**
 * A JSON form of a tabular MDP (MATH.md §1):
 *
 *   { "name"?: string, "S": int, "A": int, "gamma": number,
 *     "P": [S*A*S numbers], "rho": [S numbers], "reward"?: [S*A numbers] }
 *
 * Flat layouts as in MATH.md §1. Numbers are written in JavaScript's shortest round-trip form
 * (and −0 as `-0`), so a write and a read give back the same bits.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { NonEmptyArray } from 'fp-ts/lib/NonEmptyArray.js';
import type { Mdp, MdpWithReward } from './types.js';
import { type ValidationError } from '../errors/parlError.js';
import { describeValue, validateMdp, validateMdpWithReward, type Validation } from './validate.js';

/** What `parseMdpJson` returns: with a reward table, or the MDP alone (and its name, if any). */
export type ParsedMdpJson = MdpWithReward | { readonly mdp: Mdp; readonly name?: string };

/** The keys of the JSON schema, in the order `mdpToJson` writes them. */
export const MDP_JSON_KEYS = ['name', 'S', 'A', 'gamma', 'P', 'rho', 'reward'] as const;

/** A finite double as JSON text that parses back to the same bits (−0 included). */
const numberToJson = (x: number): string => (Object.is(x, -0) ? '-0' : String(x));

const arrayToJson = (xs: ArrayLike<number>): string => {
  const parts = new Array<string>(xs.length);
  for (let i = 0; i < xs.length; i++) parts[i] = numberToJson(xs[i]);
  return `[${parts.join(',')}]`;
};

/** JSON text of an MDP, or of an MDP with its reward table and name (MATH.md §1 layouts). */
export const mdpToJson = (m: MdpWithReward | Mdp): string => {
  const withReward = 'mdp' in m ? m : undefined;
  const mdp = withReward !== undefined ? withReward.mdp : (m as Mdp);
  const lines: string[] = [];
  if (withReward !== undefined) lines.push(`"name": ${JSON.stringify(withReward.name)}`);
  lines.push(`"S": ${mdp.S}`, `"A": ${mdp.A}`, `"gamma": ${numberToJson(mdp.gamma)}`);
  lines.push(`"P": ${arrayToJson(mdp.P)}`, `"rho": ${arrayToJson(mdp.rho)}`);
  if (withReward !== undefined) lines.push(`"reward": ${arrayToJson(withReward.reward)}`);
  return `{\n  ${lines.join(',\n  ')}\n}\n`;
};

/**
 * Parse and validate the JSON text of an MDP (MATH.md §1); never throws. Malformed JSON is an
 * error on field `$`, unknown keys are errors on that key, and every MDP error is reported.
 */
export const parseMdpJson = (text: string): Validation<ParsedMdpJson> => {
  if (typeof text !== 'string') return E.left([{ field: '$', message: `expected JSON text, got ${describeValue(text)}` }]);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const message = e instanceof Error ? e.message : describeValue(e);
    return E.left([{ field: '$', message: `malformed JSON: ${message}` }]);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return E.left([{ field: '$', message: `expected a JSON object {S, A, gamma, P, rho, reward?, name?}, got ${describeValue(json)}` }]);
  }
  const obj = json as Record<string, unknown>;
  const errs: ValidationError[] = [];
  for (const key of Object.keys(obj)) {
    if (!(MDP_JSON_KEYS as ReadonlyArray<string>).includes(key)) {
      errs.push({ field: key, message: `unknown field (expected ${MDP_JSON_KEYS.join(', ')})` });
    }
  }
  const name = obj.name;
  if (name !== undefined && typeof name !== 'string') errs.push({ field: 'name', message: `must be a string, got ${describeValue(name)}` });
  const result: Validation<ParsedMdpJson> =
    obj.reward !== undefined
      ? validateMdpWithReward(typeof name === 'string' ? name : 'unnamed', obj, obj.reward)
      : E.map((mdp: Mdp): ParsedMdpJson => (typeof name === 'string' ? { mdp, name } : { mdp }))(validateMdp(obj));
  const all = [...(E.isLeft(result) ? result.left : []), ...errs];
  return all.length > 0 ? E.left(all as NonEmptyArray<ValidationError>) : result;
};
