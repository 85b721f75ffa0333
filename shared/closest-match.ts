// "Did you mean ...?" for a mistyped name: the candidate fewest edits away (insertions, deletions, substitutions
// and swaps of two neighbouring letters, the commonest typo), if it is close enough to be what was meant (at most
// a third of the word's letters, at least 2 edits allowed).

export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const allowed = Math.max(2, Math.floor(word.length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(word.toLowerCase(), name.toLowerCase());
    if (distance <= allowed && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** ` (did you mean "x"?)`, or nothing when no candidate is close. */
export function didYouMean(word: string, candidates: readonly string[], format = (name: string) => `"${name}"`): string {
  const match = closestMatch(word, candidates);
  return match === undefined ? '' : ` (did you mean ${format(match)}?)`;
}

function editDistance(a: string, b: string): number {
  // Optimal string alignment: rows i − 2, i − 1 and i of the dynamic programme.
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) current[j] = Math.min(current[j], before[j - 2] + 1);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length];
}
