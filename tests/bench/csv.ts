/**
 * The benchmarks' CSV (run.ts, pipeline.ts): 8 columns (email = key, first and last name, a language tag, a
 * quoted department holding a comma, phone, city, a number), rows reproducible by seed and written to disk
 * without being held in memory.
 */
import fs from "node:fs";
import { once } from "node:events";

/** The file's columns; each maps to the manager field of the same label ("Email" is also the key). */
export const COLUMNS = ["Email", "First Name", "Last Name", "Language", "Department", "Phone", "City", "Score"];
/** The fields a bench manager needs besides the built-in ones. */
export const EXTRA_FIELDS = [
  { label: "Department", type: "text" as const },
  { label: "Phone", type: "text" as const },
  { label: "City", type: "text" as const },
  { label: "Score", type: "number" as const },
];

const LANGS = ["en", "fr", "de", "pt-BR", "es", "it", "nl"];
const DEPARTMENTS = ["Sales", "Support", "Engineering", "Finance", "People"];
const REGIONS = ["EMEA", "APAC", "Americas"];

export type Person = {
  id: number;
  first: string;
  last: string;
  lang: string;
  department: string;
  phone: string;
  city: string;
  score: number;
};

/** person(id) for one seed: the same id and seed always give the same person. */
export function benchPeople(seedArg: number): (id: number) => Person {
  const seed = seedArg >>> 0;
  /** Deterministic pseudo-random value of (id, k): the files are reproducible without keeping rows in memory. */
  const hash = (id: number, k: number): number => {
    let x = (Math.imul(id, 2654435761) + Math.imul(seed, 40503) + k * 97) >>> 0;
    x = Math.imul(x ^ (x >>> 16), 0x45d9f3b) >>> 0;
    x = Math.imul(x ^ (x >>> 16), 0x45d9f3b) >>> 0;
    return (x ^ (x >>> 16)) >>> 0;
  };
  return (id) => ({
    id,
    first: `First${id}`,
    last: `Last${hash(id, 1) % 1_000_000}`,
    lang: LANGS[id % LANGS.length],
    // Quoted in the file: it holds a comma.
    department: `${DEPARTMENTS[hash(id, 3) % DEPARTMENTS.length]}, ${REGIONS[hash(id, 4) % REGIONS.length]}`,
    phone: `+44 20 7946 ${String(hash(id, 5) % 10_000).padStart(4, "0")}`,
    city: `City${hash(id, 6) % 5_000}`,
    score: hash(id, 2) % 1000,
  });
}

export const values = (p: Person) => [
  `user${p.id}@example.com`,
  p.first,
  p.last,
  p.lang,
  p.department,
  p.phone,
  p.city,
  String(p.score),
];

/** Write a CSV file without holding it in memory; returns the number of rows. */
export async function writeFile(file: string, rows: Iterable<Person>): Promise<number> {
  const out = fs.createWriteStream(file);
  out.write(COLUMNS.join(",") + "\n");
  let n = 0;
  let buf = "";
  for (const p of rows) {
    buf += `user${p.id}@example.com,${p.first},${p.last},${p.lang},"${p.department}",${p.phone},${p.city},${p.score}\n`;
    n++;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, "drain");
      buf = "";
    }
  }
  out.end(buf);
  await once(out, "finish");
  return n;
}
