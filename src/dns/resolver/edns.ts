/**
 * EDNS0 in replies (Consul's setEDNS): a request with an OPT record gets one back carrying the
 * request's UDP size, and its client-subnet option (RFC 7871) echoed with scope 0: every answer
 * Muster gives is valid for any client (only Consul's prepared queries, with `near`, vary).
 */
import { EdnsOption, Type, ednsOf, type EdnsOptionValue, type Message } from '../wire/message.js';

export function setEdns(req: Message, reply: Message): void {
  const edns = ednsOf(req);
  if (!edns) return;
  const options: EdnsOptionValue[] = [];
  const subnet = edns.options.find((o) => o.code === EdnsOption.CLIENT_SUBNET);
  const echoed = subnet && clientSubnetReply(subnet.data);
  if (echoed) options.push({ code: EdnsOption.CLIENT_SUBNET, data: echoed });
  reply.additionals.push({ type: Type.OPT, name: '.', udpSize: edns.udpSize, extendedRcode: 0, version: 0, flags: 0, options });
}

/** FAMILY, SOURCE PREFIX, SCOPE PREFIX = 0, then the address cut to the source prefix; undefined if malformed. */
function clientSubnetReply(data: Uint8Array): Uint8Array | undefined {
  if (data.length < 4) return undefined;
  const family = (data[0]! << 8) | data[1]!;
  const source = data[2]!;
  const bits = family === 1 ? 32 : family === 2 ? 128 : 0;
  if (bits === 0 || source > bits) return undefined;
  const n = Math.ceil(source / 8);
  const out = new Uint8Array(4 + n);
  out.set(data.subarray(0, 3));
  out[3] = 0;
  out.set(data.subarray(4, 4 + n), 4);
  return out;
}
