/**
 * The first duplicated key of any object in a JSON text, or null. JSON.parse keeps the last of duplicates
 * silently; the safetensors format forbids them (its Rust parser rejects them), so a header that repeats a
 * tensor name must not load. The scan is iterative, so a hostile header nested thousands deep cannot overflow
 * the stack; it assumes the text is valid JSON (JSON.parse has already accepted it).
 */
export function duplicateKey(text: string): { key: string; path: string } | null {
  // One entry per open container: the keys seen so far for an object, null for an array.
  const open: Array<Set<string> | null> = [];
  const names: string[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      const top = open[open.length - 1];
      if (top && expectKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.has(key)) return { key, path: names.slice(0, open.length - 1).join('.') };
        top.add(key);
        names[open.length - 1] = key;
        expectKey = false;
      }
      i = end;
    } else if (c === '{') {
      open.push(new Set());
      expectKey = true;
    } else if (c === '[') {
      open.push(null);
    } else if (c === '}' || c === ']') {
      open.pop();
      names.length = open.length;
    } else if (c === ',') {
      expectKey = open[open.length - 1] instanceof Set;
    }
  }
  return null;
}

/** The index of the quote that closes the string opening at `start`. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return text.length - 1;
}
