/**
 * Rules every piece of text from a caller obeys, whatever the field: no NUL character (PostgreSQL
 * text cannot hold one) and no unpaired UTF-16 surrogate (it is not a character and cannot be
 * encoded as UTF-8). Plus ASCII-only case mapping for identifiers: Unicode case mapping turns
 * `ſ` into `S`, `ı` into `I` and `ﬀ` into `FF`, so `ſpy` would otherwise become SPY.
 */

/** Why `s` cannot be accepted as text, or undefined when it can. Multi-line text names the line. */
export function unsafeTextProblem(s: string): string | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let what: string | undefined;
    if (c === 0) what = 'a NUL character (U+0000)';
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else what = `an unpaired surrogate (U+${c.toString(16).toUpperCase()})`;
    } else if (c >= 0xdc00 && c <= 0xdfff) what = `an unpaired surrogate (U+${c.toString(16).toUpperCase()})`;
    if (what) {
      const line = s.slice(0, i).split('\n').length;
      return `contains ${what}${s.includes('\n') ? ` on line ${line}` : ''}; only valid Unicode text without NUL is accepted`;
    }
  }
  return undefined;
}

/** Control characters (C0, DEL, C1) have no place in a name or a key, even where NUL-free. */
export function controlCharacterProblem(s: string): string | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x1f || (c >= 0x7f && c <= 0x9f)) return `contains the control character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return undefined;
}

/** Objects and arrays nested deeper than this are refused before any decoding (no input needs more than 6). */
export const MAX_INPUT_DEPTH = 32;

export interface TextProblem {
  /** Property names and array indexes from the input's root. */
  path: (string | number)[];
  message: string;
}

/**
 * Every string (values and property names) in a decoded input that breaks the text rules, with
 * its path. Iterative, so a hostile nesting cannot exhaust the stack; stops descending at
 * MAX_INPUT_DEPTH and reports that instead.
 */
export function findUnsafeText(input: unknown, limit = 50): TextProblem[] {
  const problems: TextProblem[] = [];
  // Depth-first in document order; a property whose name is bad is reported instead of its value.
  const stack: { value: unknown; path: (string | number)[]; keyProblem?: string }[] = [{ value: input, path: [] }];
  while (stack.length > 0 && problems.length < limit) {
    const { value, path, keyProblem } = stack.pop() as { value: unknown; path: (string | number)[]; keyProblem?: string };
    if (keyProblem) {
      problems.push({ path, message: `property name ${keyProblem}` });
      continue;
    }
    if (typeof value === 'string') {
      const problem = unsafeTextProblem(value);
      if (problem) problems.push({ path, message: problem });
      continue;
    }
    if (typeof value !== 'object' || value === null || value instanceof Date) continue;
    if (path.length >= MAX_INPUT_DEPTH) {
      problems.push({ path, message: `is nested more than ${MAX_INPUT_DEPTH} levels deep` });
      continue;
    }
    const entries: [string | number, unknown][] = Array.isArray(value)
      ? value.map((v, i) => [i, v] as [number, unknown])
      : value instanceof Map
        ? [...value.entries()].map(([k, v]) => [String(k), v] as [string, unknown])
        : value instanceof Set
          ? [...value].map((v, i) => [i, v] as [number, unknown])
          : Object.entries(value);
    for (let k = entries.length - 1; k >= 0; k--) {
      const [key, v] = entries[k] as [string | number, unknown];
      const bad = typeof key === 'string' ? unsafeTextProblem(key) : undefined;
      if (bad) stack.push({ value: undefined, path: [...path, JSON.stringify(key)], keyProblem: bad });
      else stack.push({ value: v, path: [...path, key] });
    }
  }
  return problems;
}

/** Depth of the deepest object or array in a decoded JSON value, counted without recursion; stops at `stopAt`. */
export function nestingDepth(value: unknown, stopAt = MAX_INPUT_DEPTH + 1): number {
  let deepest = 0;
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const top = stack.pop() as { value: unknown; depth: number };
    if (typeof top.value !== 'object' || top.value === null) continue;
    const depth = top.depth + 1;
    if (depth > deepest) deepest = depth;
    if (deepest >= stopAt) return deepest;
    for (const v of Array.isArray(top.value) ? top.value : Object.values(top.value)) {
      if (typeof v === 'object' && v !== null) stack.push({ value: v, depth });
    }
  }
  return deepest;
}

/** True when every character is printable ASCII (U+0020..U+007E). */
export const isPrintableAscii = (s: string): boolean => /^[\x20-\x7e]*$/.test(s);

/** Upper-cases ASCII letters only; everything else is left as it is (and refused by whoever needs ASCII). */
export const asciiUpper = (s: string): string => s.replace(/[a-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 32));

/** Lower-cases ASCII letters only. */
export const asciiLower = (s: string): string => s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
