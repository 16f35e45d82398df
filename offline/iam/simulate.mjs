// Evaluates AWS IAM authorization requests with @cloud-copilot/iam-simulate, one JSON object per
// line on stdin -> one JSON object per line on stdout, so that one Node process serves a whole
// test run (offline/iam/engine.py keeps it alive). Input: {"id": n, "simulation": <Simulation>}
// (the package's Simulation type: request, identityPolicies, resourcePolicy,
// permissionBoundaryPolicies, serviceControlPolicies, ...). Output: {"id": n, "result":
// "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied", "errors": ..., and for a single-resource
// request the result per policy type ("identity", "resource", "boundary") and the statements that
// decided it ("allow"/"deny": [{"type": "identity" | "resource" | "boundary", "policy": name or
// null, "index": n (1-based), "sid": sid or null}])}.
import { createInterface } from 'node:readline'
import { runSimulation } from '@cloud-copilot/iam-simulate'

// The statements of one analysis, by policy name and index (what allowed or denied the request).
function statements(type, list) {
  return (list || []).map((s) => ({
    type,
    policy: s.policyId ?? null,
    index: s.statement.index(),
    sid: s.statement.sid() ?? null,
  }))
}

function details(outcome) {
  if (outcome.resultType !== 'single') return {}
  const analysis = outcome.result.analysis
  const analyses = {
    identity: analysis.identityAnalysis,
    resource: analysis.resourceAnalysis,
    boundary: analysis.permissionBoundaryAnalysis,
  }
  const all = (field) => Object.entries(analyses).flatMap(([type, a]) => statements(type, a?.[field]))
  return {
    identity: analysis.identityAnalysis?.result ?? null,
    resource: analysis.resourceAnalysis?.result ?? null,
    boundary: analysis.permissionBoundaryAnalysis?.result ?? null,
    allow: all('allowStatements'),
    deny: all('denyStatements'),
    ignoredContextKeys: outcome.result.ignoredContextKeys ?? [],
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
for await (const line of lines) {
  if (!line.trim()) continue
  let id = null
  try {
    const message = JSON.parse(line)
    id = message.id
    const simulation = {
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      identityPolicies: [],
      ...message.simulation,
    }
    const outcome = await runSimulation(simulation, { simulationMode: 'Strict' })
    if (outcome.resultType === 'error') {
      process.stdout.write(JSON.stringify({ id, result: 'Error', errors: outcome.errors }) + '\n')
    } else {
      process.stdout.write(JSON.stringify({ id, result: outcome.overallResult, ...details(outcome) }) + '\n')
    }
  } catch (error) {
    process.stdout.write(JSON.stringify({ id, result: 'Error', errors: { message: String(error) } }) + '\n')
  }
}
