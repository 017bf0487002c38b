// Runs infra/sfn/score.asl.json with aws-local-stepfunctions, its Task
// states invoking the predict function on local Lambda Runtime Interface
// Emulators (the invoke URLs given). Called by run-local.sh; prints the
// execution's output (JSON) on stdout, progress and errors on stderr.
//
//   node run-local.mjs --prefix NPM_PREFIX --definition score.asl.json \
//     --sub ScoreFunctionArn=ARN --sub MaxConcurrency=N \
//     --invoke http://127.0.0.1:P/2015-03-31/functions/function/invocations[,...] \
//     --s3cp PATH --input JSON
//
// aws-local-stepfunctions 3.0.0 runs Map states inline only: it lacks the
// Distributed Map fields ItemReader, ItemBatcher, ResultWriter,
// ToleratedFailurePercentage/Count and ProcessorConfig. localize() takes
// them off (naming each on stderr) and puts a ReadManifest Task before the
// Map that does what ItemReader does here (an S3 getObject of the JSONL
// manifest, one item a line) into ItemsPath. ToleratedFailure 0 is what an
// inline Map does anyway; ResultWriter's S3 copy of the results is left
// out (the state machine discards them: ResultPath null).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    prefix: { type: 'string' },
    definition: { type: 'string' },
    sub: { type: 'string', multiple: true, default: [] },
    invoke: { type: 'string' },
    s3cp: { type: 'string' },
    input: { type: 'string' },
  },
});
for (const k of ['prefix', 'definition', 'invoke', 's3cp', 'input']) {
  if (!args[k]) fail(`--${k} is required`);
}

function fail(msg) {
  process.stderr.write(`run-local.mjs: ${msg}\n`);
  process.exit(1);
}

// aws-local-stepfunctions 3.0.0 declares node >= 22 for one thing it uses
// that node 20 (Debian's) lacks: Promise.withResolvers, added here as the
// standard defines it.
if (!Promise.withResolvers) {
  Promise.withResolvers = function withResolvers() {
    let resolve, reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

const require = createRequire(`${args.prefix}/package.json`);
const { StateMachine } = require('aws-local-stepfunctions');

// DefinitionSubstitutions, as CloudFormation applies them: ${Name} in the text.
let text = readFileSync(args.definition, 'utf8');
for (const s of args.sub) {
  const i = s.indexOf('=');
  if (i < 1) fail(`--sub ${s}: want NAME=VALUE`);
  text = text.split('${' + s.slice(0, i) + '}').join(s.slice(i + 1));
}
const left = text.match(/\$\{[A-Za-z0-9_]+\}/);
if (left) fail(`no --sub for ${left[0]}`);

const MANIFEST_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:local-read-manifest';
const unsupported = ['ItemReader', 'ItemBatcher', 'ResultWriter', 'ToleratedFailurePercentage', 'ToleratedFailurePercentagePath', 'ToleratedFailureCount', 'ToleratedFailureCountPath', 'Label'];
const definition = localize(JSON.parse(text));

// localize rewrites every Map with an ItemReader as described above; it
// returns the definition and records the Task states to invoke.
function localize(def) {
  const tasks = [];
  const readers = [];
  const walk = (machine) => {
    for (const [name, st] of Object.entries({ ...machine.States })) {
      if (st.Type === 'Task') tasks.push(name);
      for (const b of st.Branches ?? []) walk(b);
      const proc = st.ItemProcessor ?? st.Iterator;
      if (proc) walk(proc);
      if (st.Type !== 'Map' || !st.ItemReader) continue;
      const reader = st.ItemReader;
      if (reader.Resource !== 'arn:aws:states:::s3:getObject' || reader.ReaderConfig?.InputType !== 'JSONL') {
        fail(`state ${name}: only an ItemReader of a JSONL object (s3:getObject) is emulated`);
      }
      const dropped = unsupported.filter((f) => f in st);
      if (proc?.ProcessorConfig) dropped.push('ItemProcessor.ProcessorConfig (Mode ' + proc.ProcessorConfig.Mode + ')');
      process.stderr.write(`run-local: aws-local-stepfunctions lacks ${dropped.join(', ')} of Map state ${name}: ItemReader becomes the Task ${name}ReadManifest; the rest is left out\n`);
      for (const f of unsupported) delete st[f];
      if (proc) delete proc.ProcessorConfig;
      const items = `$.__items_${name}`;
      st.ItemsPath = items;
      const read = `${name}ReadManifest`;
      readers.push(read);
      for (const other of Object.values(machine.States)) {
        if (other.Next === name) other.Next = read;
        if (other.Default === name) other.Default = read;
        for (const c of [...(other.Choices ?? []), ...(other.Catch ?? [])]) if (c.Next === name) c.Next = read;
      }
      if (machine.StartAt === name) machine.StartAt = read;
      machine.States[read] = { Type: 'Task', Resource: MANIFEST_ARN, Parameters: reader.Parameters, ResultPath: items, Next: name };
    }
  };
  walk(def);
  localize.tasks = tasks;
  localize.readers = readers;
  return def;
}

// readManifest does what the ItemReader does: the object's lines, as JSON.
function readManifest(input) {
  const body = execFileSync(args.s3cp, ['cat', `s3://${input.Bucket}/${input.Key}`], { maxBuffer: 1 << 30, encoding: 'utf8' });
  return body.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
}

// A pool of emulators: each runs one invocation at a time, as a Lambda
// execution environment does.
const free = args.invoke.split(',');
const waiting = [];
const acquire = () => (free.length ? Promise.resolve(free.pop()) : new Promise((r) => waiting.push(r)));
const release = (url) => (waiting.length ? waiting.shift()(url) : free.push(url));

let done = 0;
let last = Date.now();

// invoke sends the Task's input to the function and returns its answer; a
// function error becomes an error named by its errorType, which the
// state's Retry and Catch match as Step Functions would.
async function invoke(input) {
  const url = await acquire();
  try {
    let res;
    for (let attempt = 0; ; attempt++) {
      try {
        res = await fetch(url, { method: 'POST', body: JSON.stringify(input), headers: { 'Content-Type': 'application/json' } });
        break;
      } catch (e) {
        // An emulator still starting refuses connections for a moment.
        if (attempt >= 50) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const body = await res.text();
    let out;
    try {
      out = JSON.parse(body);
    } catch {
      throw Object.assign(new Error(`invoke ${url}: status ${res.status}: ${body.slice(0, 500)}`), { name: 'Lambda.ServiceException' });
    }
    if (res.status !== 200) {
      throw Object.assign(new Error(`invoke ${url}: status ${res.status}: ${body.slice(0, 500)}`), { name: 'Lambda.ServiceException' });
    }
    if (out && typeof out === 'object' && out.errorType && typeof out.errorMessage === 'string') {
      throw Object.assign(new Error(out.errorMessage), { name: out.errorType });
    }
    if (input.command === 'score-range') {
      done++;
      if (Date.now() - last > 5000) {
        last = Date.now();
        process.stderr.write(`run-local: ${done} parts scored\n`);
      }
    }
    return out;
  } finally {
    release(url);
  }
}

const handlers = {};
for (const t of localize.tasks) handlers[t] = invoke;
for (const r of localize.readers) handlers[r] = readManifest;

const machine = new StateMachine(definition);
try {
  const exec = machine.run(JSON.parse(args.input), { overrides: { taskResourceLocalHandlers: handlers } });
  const result = await exec.result;
  process.stdout.write(JSON.stringify(result) + '\n');
} catch (e) {
  const cause = e.cause ?? e;
  fail(`execution failed: ${cause.name}: ${cause.message}`);
}
