/**
 * Guess the delimiter of a CSV sample, for the preview's "This file looks semicolon-separated" hint.
 * Only a suggestion: the file is always parsed by the engine with the delimiter the user chose.
 */
const candidates = [",", ";", "\t", "|"] as const;

/** Count each candidate outside quotes on the sample's first lines; the winner appears the same number of times (>0) on every line. */
export function detectDelimiter(sample: string, maxLines = 20): string | null {
  const lines = splitLogicalLines(sample).filter((l) => l.trim() !== "").slice(0, maxLines);
  if (lines.length === 0) return null;
  let best: { d: string; score: number } | null = null;
  for (const d of candidates) {
    const counts = lines.map((l) => countOutsideQuotes(l, d));
    if (counts[0] === 0) continue;
    const consistent = counts.filter((c) => c === counts[0]).length / counts.length;
    if (consistent < 0.8) continue;
    const score = consistent * 1000 + counts[0];
    if (!best || score > best.score) best = { d, score };
  }
  return best?.d ?? null;
}

function countOutsideQuotes(line: string, d: string): number {
  let inQuotes = false;
  let n = 0;
  for (const ch of line) {
    if (ch === '"') inQuotes = !inQuotes;
    else if (ch === d && !inQuotes) n++;
  }
  return n;
}

/** Lines, keeping quoted line breaks inside their record. A last, unterminated line is dropped when the sample was cut. */
function splitLogicalLines(sample: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inQuotes = false;
  for (let i = 0; i < sample.length; i++) {
    const ch = sample[i];
    if (ch === '"') inQuotes = !inQuotes;
    if (!inQuotes && (ch === "\n" || ch === "\r")) {
      if (ch === "\r" && sample[i + 1] === "\n") i++;
      out.push(cur);
      cur = "";
      continue;
    }
    cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

export const delimiterNames: Record<string, string> = { ",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", " ": "space" };

export function delimiterName(d: string): string {
  return delimiterNames[d] ?? `“${d}”`;
}
