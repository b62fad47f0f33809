/**
 * Go's base64.StdEncoding.DecodeString: strict alphabet and padding. Errors name the offending
 * byte as Go's CorruptInputError does (for a short final quantum, the quantum's start).
 */
export function decodeStdBase64(s: string): Uint8Array {
  const bad = firstInvalidByte(s);
  if (bad >= 0) throw new Error(`illegal base64 data at input byte ${bad}`);
  return new Uint8Array(Buffer.from(s, 'base64'));
}

function firstInvalidByte(s: string): number {
  const m = /^[A-Za-z0-9+/]*/.exec(s)!;
  const end = m[0].length;
  const rest = s.slice(end);
  const rem = end % 4;
  if (rest === '') return rem === 0 ? -1 : end - rem;
  if (rest === '==' && rem === 2) return -1;
  if (rest === '=' && rem === 3) return -1;
  return rest[0] === '=' && rem >= 2 ? end + (rem === 2 && rest[1] === '=' ? 2 : 1) : end;
}
