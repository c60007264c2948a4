/** Render rows of cells as a left-aligned plain-text table with a header rule. */
export const renderTable = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((h, j) => Math.max([...h].length, ...rows.map((r) => [...(r[j] ?? '')].length)));
  const line = (cells: ReadonlyArray<string>): string =>
    cells.map((c, j) => c + ' '.repeat(widths[j] - [...c].length)).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
};
