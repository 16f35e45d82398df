// Evaluates AWS IAM authorization requests with @cloud-copilot/iam-simulate, one JSON object per
// line on stdin -> one JSON object per line on stdout, so that one Node process serves a whole
// test run (offline/iam/engine.py keeps it alive). Input: {"id": n, "simulation": <Simulation>}
// (the package's Simulation type: request, identityPolicies, resourcePolicy,
// permissionBoundaryPolicies, serviceControlPolicies, ...). Output: {"id": n, "result":
// "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied", "errors": ...}.
import { createInterface } from 'node:readline'
import { runSimulation } from '@cloud-copilot/iam-simulate'

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
      process.stdout.write(JSON.stringify({ id, result: outcome.overallResult }) + '\n')
    }
  } catch (error) {
    process.stdout.write(JSON.stringify({ id, result: 'Error', errors: { message: String(error) } }) + '\n')
  }
}
