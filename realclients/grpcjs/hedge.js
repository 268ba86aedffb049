// hedge.js ADDR METHOD CALLS SERVICE_CONFIG_JSON: makes CALLS unary calls of
// METHOD on ADDR with grpc-js (@grpc/grpc-js), one after another, under the
// service config given (a hedgingPolicy, say), and prints one JSON line per
// call: {"client", "request", "code", "details", "reply"}. Call i carries
// x-chaos-client js-i, x-chaos-request js-i/1 and x-chaos-attempt 1; grpc-js
// adds grpc-previous-rpc-attempts to its hedges and retries itself. The
// messages are raw bytes: the fault server echoes them.
'use strict';
const grpc = require('@grpc/grpc-js');

const [addr, method, calls, serviceConfig] = process.argv.slice(2);
const client = new grpc.Client(addr, grpc.credentials.createInsecure(), {
  'grpc.service_config': serviceConfig,
});
const raw = (b) => b;

function call(i) {
  return new Promise((resolve) => {
    const md = new grpc.Metadata();
    md.set('x-chaos-client', `js-${i}`);
    md.set('x-chaos-request', `js-${i}/1`);
    md.set('x-chaos-attempt', '1');
    const deadline = new Date(Date.now() + 30000);
    client.makeUnaryRequest(method, raw, raw, Buffer.from(`call ${i}`), md, { deadline }, (err, reply) => {
      resolve({
        client: `js-${i}`, request: `js-${i}/1`,
        code: err ? err.code : 0, details: err ? err.details : '',
        reply: reply ? reply.toString() : '',
      });
    });
  });
}

(async () => {
  for (let i = 1; i <= Number(calls); i++) {
    console.log(JSON.stringify(await call(i)));
  }
  client.close();
})();
