// The Node contender of benchmarks/peers/http/run.sh: a cluster of 2 workers, each answering
// POST /jobs/echo with its body in the worker itself. Usage: node cluster.mjs <port>
import cluster from 'node:cluster';
import http from 'node:http';

const port = Number(process.argv[2]);
if (cluster.isPrimary) {
  for (let i = 0; i < 2; i++) cluster.fork();
} else {
  http
    .createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
        res.end(body);
      });
    })
    .listen(port, '127.0.0.1');
}
