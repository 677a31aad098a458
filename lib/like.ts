/** A LIKE/ILIKE pattern matching text that contains `q` literally (its `%`, `_` and `\` escaped). */
export function likeContains(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
