/** Types of rng.mjs (the fuzz workers run it as plain JavaScript; the TypeScript tests import it too). */
export function rng(seed: number): () => number;
