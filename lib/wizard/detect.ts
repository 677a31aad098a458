import Papa from "papaparse";

/**
 * Guess the delimiter of a CSV sample, for the preview's "This file looks semicolon-separated" hint:
 * papaparse's own guess (the candidate giving the most consistent field count over the first lines, quotes
 * honoured). Only a suggestion: the file is always parsed with the delimiter the user chose.
 */
const candidates = [",", ";", "\t", "|"];

export function detectDelimiter(sample: string, maxLines = 20): string | null {
  const guess = Papa.parse(sample, { preview: maxLines, skipEmptyLines: true, delimitersToGuess: candidates });
  if (guess.errors.some((e) => e.code === "UndetectableDelimiter")) return null;
  return guess.meta.delimiter || null;
}

export const delimiterNames: Record<string, string> = {
  ",": "comma",
  ";": "semicolon",
  "\t": "tab",
  "|": "pipe",
  " ": "space",
};

export function delimiterName(d: string): string {
  return delimiterNames[d] ?? `“${d}”`;
}
