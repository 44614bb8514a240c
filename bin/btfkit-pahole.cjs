#!/usr/bin/env node
// btfkit-pahole's Node entry: bin/btfkit-pahole runs it when the native client was not built, and the native client
// hands it whatever it does not send to the encode service. Runs the compiled CLI (npm install builds dist/). A
// module encode (--btf_base) first asks the encode service of that base (dist/cli/pahole/service-client.cjs, which
// loads nothing of the encoder, and starts the service when there is none); otherwise, or when it cannot, the encode
// runs here. CommonJS (bin/package.json): a CommonJS script starts sooner than an ES module.
const argv = process.argv.slice(2);
const cannotStart = (e) => {
  process.stderr.write(`btfkit-pahole: cannot start (${e.message}); run 'npm install' (or 'npm run build') first\n`);
  process.exit(1);
};
let client;
try {
  client = require("../dist/cli/pahole/service-client.cjs");
} catch (e) {
  cannotStart(e);
}
client
  .runThroughService(argv, process.env)
  .catch(() => undefined)
  .then(async (served) => {
    if (served !== undefined) {
      process.exitCode = served;
      return;
    }
    const m = await import("../dist/cli/pahole/main.js").catch(cannotStart);
    process.exitCode = await m.paholeMain(argv);
  });
