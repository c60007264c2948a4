/**
 * The 2^24 guard (GPUJS.md): webasm, GL and WebGPU do index arithmetic in float32, where integers
 * above 2^24 are not all representable, so a flat index ≥ 2^24 silently reads or writes the wrong
 * element. Every gpu.js launch here touches at most `CHUNK_ELEMENTS` = 2^22 elements per array, so
 * every flat index (and every `floor(i / W)` decomposition of one, which is exact in float32 while
 * `i·W < 2^24`) stays far below 2^24; larger batches are split into chunks along the batch axis.
 */

/** 2^24: the first integer beyond which float32 cannot represent every integer. */
export const FLOAT32_EXACT_INTEGER_LIMIT = 2 ** 24;

/** Most elements any array of one kernel launch may hold: 2^22, a factor 4 below 2^24. */
export const CHUNK_ELEMENTS = 2 ** 22;

/** A split of `count` batch items into `chunks` launches of `perChunk` items (the last one padded). */
export interface ChunkPlan {
  readonly count: number;
  /** Items per launch; every launch has this size so one compiled kernel serves them all. */
  readonly perChunk: number;
  readonly chunks: number;
}

/**
 * Split `count` items whose largest per-item footprint is `elementsPerItem` elements (in the
 * biggest array of a launch) into equal chunks of at most `maxElements` elements each.
 * The chunk size is `ceil(count / chunks)`, so at most `chunks − 1` padding items are computed.
 */
export const planChunks = (count: number, elementsPerItem: number, maxElements: number = CHUNK_ELEMENTS): ChunkPlan => {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`batch size must be a non-negative integer, got ${count}`);
  if (!(elementsPerItem >= 1) || elementsPerItem > maxElements) {
    throw new RangeError(
      `one batch item needs ${elementsPerItem} elements in a single kernel array, more than the ${maxElements} a launch may hold (2^24 guard); use the js backend`,
    );
  }
  if (count === 0) return { count, perChunk: 0, chunks: 0 };
  const cap = Math.max(1, Math.floor(maxElements / elementsPerItem));
  const chunks = Math.ceil(count / cap);
  return { count, perChunk: Math.ceil(count / chunks), chunks };
};

/** The item range `[start, end)` of chunk `c` (the last chunk may be shorter than `perChunk`). */
export const chunkRange = (plan: ChunkPlan, c: number): { readonly start: number; readonly end: number } => {
  const start = c * plan.perChunk;
  return { start, end: Math.min(plan.count, start + plan.perChunk) };
};
