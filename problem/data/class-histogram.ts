// How many examples of each class a set of indices holds: what the server logs per worker at start, and what
// the partition tests compare with the documented shapes.

export function classHistogram(indices: Uint32Array, labels: Uint8Array, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const index of indices) {
    if (index >= labels.length) throw new RangeError(`index ${index} is outside the ${labels.length} labels`);
    const label = labels[index];
    if (label >= classes) throw new RangeError(`label ${label} at index ${index} is not one of ${classes} classes`);
    counts[label]++;
  }
  return counts;
}
