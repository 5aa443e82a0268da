import { packedDictionary } from './dictionary.generated';

interface DictionaryEntry {
  readonly vr: string;
  readonly keyword: string;
}

let table: Map<number, DictionaryEntry> | undefined;
let byKeyword: Map<string, number> | undefined;

function load(): Map<number, DictionaryEntry> {
  if (table) return table;
  table = new Map();
  byKeyword = new Map();
  for (const entry of packedDictionary.split('|')) {
    const tag = Number.parseInt(entry.slice(0, 8), 16) >>> 0;
    const keyword = entry.slice(10);
    table.set(tag, { vr: entry.slice(8, 10), keyword });
    byKeyword.set(keyword, tag);
  }
  return table;
}

/** The dictionary VR of a public tag; private creators are LO, group lengths UL, unknown UN. */
export function dictionaryVr(tag: number): string {
  const element = tag & 0xffff;
  const group = tag >>> 16;
  if (element === 0) return 'UL';
  if (group % 2 === 1) return element >= 0x10 && element <= 0xff ? 'LO' : 'UN';
  const known = load().get(tag);
  if (known) return known.vr;
  // Repeating groups (50xx curves, 60xx overlays) are listed once under their base group.
  if (group >= 0x5000 && group <= 0x60ff) return load().get(((group & 0xff00) << 16) | element)?.vr ?? 'UN';
  return 'UN';
}

export function dictionaryKeyword(tag: number): string | undefined {
  return load().get(tag >>> 0)?.keyword;
}

export function tagForKeyword(keyword: string): number | undefined {
  load();
  return byKeyword?.get(keyword);
}
