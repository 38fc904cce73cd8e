/**
 * "Did you mean" suggestions for misspelt attribute names and enum values.
 *
 * Order of preference: a case-insensitive exact match ("MaxInstances" →
 * "maxInstances"), then the candidate with the smallest case-insensitive
 * Levenshtein distance if it is close enough, then a unique candidate that
 * contains the input ("Generic500" → "ReturnGeneric500").
 */

/** Levenshtein edit distance (insert, delete, substitute; each costs 1). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    prev = cur;
  }
  return prev[b.length];
}

/** The candidate the user most likely meant, or undefined when none is close. */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  if (input.length === 0 || candidates.length === 0) return undefined;
  const lower = input.toLowerCase();

  const sameIgnoringCase = candidates.find((c) => c.toLowerCase() === lower);
  if (sameIgnoringCase !== undefined) return sameIgnoringCase;

  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best !== undefined) {
    // Allow roughly one edit in three characters, and at least two edits.
    const limit = Math.max(2, Math.floor(Math.max(input.length, best.length) / 3));
    if (bestDistance <= limit) return best;
  }

  if (lower.length >= 3) {
    const containing = candidates.filter((c) => c.toLowerCase().includes(lower));
    if (containing.length === 1) return containing[0];
  }
  return undefined;
}
