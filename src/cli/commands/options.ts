/** Parse an integer option ≥ `min`; on a bad value push an error naming the option and return the default. */
export const parseIntegerOption = (
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  errors: string[],
): number => {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min) {
    errors.push(`${name} must be an integer ≥ ${min}, got "${raw}"`);
    return fallback;
  }
  return n;
};
