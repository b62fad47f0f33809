// A "down" DNS upstream: binds UDP and TCP on HOST:PORT, reads queries and never answers.
// Used as the first recursor in consul-configs/c-recursor-down.hcl (record.sh) to observe recursor_timeout.
//   node test/dns-compat/upstream/blackhole.mjs 127.0.0.42 34655
import dgram from 'node:dgram';
import net from 'node:net';

const [host = '127.0.0.42', portText = '34655'] = process.argv.slice(2);
const port = Number(portText);
const udp = dgram.createSocket('udp4');
udp.on('message', () => {});
udp.bind(port, host);
const held = [];
const tcp = net.createServer((socket) => {
  held.push(socket);
  socket.on('data', () => {});
  socket.on('error', () => {});
});
tcp.listen(port, host, () => process.stdout.write(`blackhole listening on ${host}:${port} (udp+tcp)\n`));
