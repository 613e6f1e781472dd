// Evaluates IAM requests with @cloud-copilot/iam-simulate, the maintained evaluator the tests use
// (identity, resource and boundary policies, every condition operator, ARN matching per component,
// case-insensitive condition keys). Reads a JSON list of simulations on stdin, writes a JSON list of
// results on stdout: {"decision": "Allowed"|"ImplicitlyDenied"|"ExplicitlyDenied", "ignored": [...]}
// or {"error": "..."} when the simulator refuses the input (a bad policy, an unknown action, a
// context key the action does not take).
import { runSimulation } from '@cloud-copilot/iam-simulate'

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const requests = JSON.parse(Buffer.concat(chunks).toString('utf8'))

const results = []
for (const r of requests) {
  const simulation = {
    request: {
      principal: r.principal,
      action: r.action,
      resource: { resource: r.resource, accountId: r.resourceAccount },
      contextVariables: r.context || {}
    },
    identityPolicies: (r.identity || []).map((policy, i) => ({ name: `identity${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: r.resourcePolicy,
    permissionBoundaryPolicies: r.boundary ? [{ name: 'boundary', policy: r.boundary }] : undefined
  }
  try {
    const result = await runSimulation(simulation, { simulationMode: 'Strict' })
    if (result.resultType === 'error') {
      results.push({ error: result.errors.message, details: result.errors })
    } else {
      const ignored = result.resultType === 'single' ? (result.result.ignoredContextKeys || []) : []
      results.push({ decision: result.overallResult, ignored })
    }
  } catch (e) {
    results.push({ error: String(e && e.message || e) })
  }
}
process.stdout.write(JSON.stringify(results))
