import { describe, expect, it } from 'vitest';
import { FrameDecoder, FrameTooLargeError, frameOf } from './frame.js';
import { frameBytesMax } from './limits.js';

const drain = (d: FrameDecoder): Uint8Array[] => {
  const out: Uint8Array[] = [];
  for (let f = d.next(); f !== undefined; f = d.next()) out.push(f);
  return out;
};

describe('FrameDecoder', () => {
  const payloads = [Uint8Array.of(1, 2, 3), new Uint8Array(0), Uint8Array.from({ length: 300 }, (_, i) => i & 0xff)];
  const stream = Buffer.concat(payloads.map((p) => frameOf(p)));

  it('reassembles frames whatever the chunking', () => {
    for (let size = 1; size <= stream.length; size++) {
      const d = new FrameDecoder();
      const got: Uint8Array[] = [];
      for (let i = 0; i < stream.length; i += size) {
        d.push(stream.subarray(i, i + size));
        got.push(...drain(d));
      }
      expect(got).toEqual(payloads);
      expect(d.pendingBytes).toBe(0);
    }
  });

  it('hands out copies that do not share the chunk', () => {
    const d = new FrameDecoder();
    d.push(stream);
    const [first] = drain(d);
    expect(first!.buffer.byteLength).toBe(3);
  });

  it('refuses an oversized length as soon as the header is in', () => {
    const d = new FrameDecoder();
    d.push(Uint8Array.of(0xff, 0xff, 0xff));
    expect(d.next()).toBeUndefined();
    d.push(Uint8Array.of(0xff));
    expect(() => d.next()).toThrow(FrameTooLargeError);
    const at = new FrameDecoder();
    const header = Buffer.alloc(4);
    header.writeUInt32BE(frameBytesMax + 1);
    at.push(header);
    expect(() => at.next()).toThrow(`frame of ${frameBytesMax + 1} bytes exceeds the limit of ${frameBytesMax} bytes`);
    header.writeUInt32BE(frameBytesMax);
    const ok = new FrameDecoder();
    ok.push(header);
    expect(ok.next()).toBeUndefined(); // waiting for the body, not refused
  });
});
