// The reference implementation's calcPrice over a batch of cases, for CostTrace's tests and
// benchmark: one process per batch, JSON in on stdin, JSON out on stdout.
//   in:  {"cases": [{"provider": "openai", "model": "gpt-4o", "at": "2025-11-24T12:00:00Z",
//                    "usage": {"input_tokens": 1000, "output_tokens": 100}}, ...]}
//   out: {"version": "0.1.8", "providers": 43, "models": 1694,
//         "results": [{"total": 0.0035, "input": 0.0025, "output": 0.001, "entry": "openai/gpt-4o"}
//                     | {"total": null} | {"error": "..."}, ...]}
// With --time SECONDS: calls calcPrice over the cases round-robin, first for SECONDS to warm up,
// then for SECONDS measured, and prints {"ns_per_call": ..., "cpu_ns_per_call": ..., "calls": ...}
// instead: wall-clock time, and the process's CPU time (every thread), per call.
import { readFileSync } from 'node:fs'
import { calcPrice, waitForUpdate } from '@pydantic/genai-prices'

const pkg = JSON.parse(readFileSync(new URL(
  './node_modules/@pydantic/genai-prices/package.json', import.meta.url), 'utf8'))
const providers = await waitForUpdate()
const { cases } = JSON.parse(readFileSync(0, 'utf8'))
const calls = cases.map(c => ({
  usage: c.usage, model: c.model, options: { providerId: c.provider, timestamp: new Date(c.at) }
}))

function price (call) {
  return calcPrice(call.usage, call.model, call.options)
}

const time = process.argv.indexOf('--time')
if (time > 0) {
  const seconds = Number(process.argv[time + 1])
  let sink = 0
  const run = (ns) => {
    let n = 0
    const cpu = process.cpuUsage()
    const start = process.hrtime.bigint()
    const end = start + BigInt(Math.round(ns))
    let now = start
    while (now < end) {
      for (let i = 0; i < 100; i++) {
        const r = price(calls[n++ % calls.length])
        sink += r === null ? 0 : r.total_price
      }
      now = process.hrtime.bigint()
    }
    const used = process.cpuUsage(cpu)
    return { calls: n, ns: Number(now - start), cpuNs: (used.user + used.system) * 1000 }
  }
  run(seconds * 1e9)
  const m = run(seconds * 1e9)
  process.stdout.write(JSON.stringify({
    version: pkg.version,
    ns_per_call: m.ns / m.calls,
    cpu_ns_per_call: m.cpuNs / m.calls,
    calls: m.calls,
    sink
  }) + '\n')
} else {
  const results = calls.map(call => {
    try {
      const r = price(call)
      return r === null
        ? { total: null }
        : {
            total: r.total_price,
            input: r.input_price,
            output: r.output_price,
            entry: r.provider.id + '/' + r.model.id
          }
    } catch (e) {
      return { error: e.message }
    }
  })
  process.stdout.write(JSON.stringify({
    version: pkg.version,
    providers: providers.length,
    models: providers.reduce((n, p) => n + p.models.length, 0),
    results
  }) + '\n')
}
