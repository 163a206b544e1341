// Writes CostTrace's bundled base catalog from the pinned @pydantic/genai-prices package:
//   npm ci && node generate.mjs
// To update: npm install --save-exact @pydantic/genai-prices@<version> && node generate.mjs,
// then run the span-pricing tests (the oracle test compares every model against that version).
// Output: the package's provider data in the genai-prices JSON format, without descriptions and
// response extractors (CostTrace reads usage from spans), one provider header and one model per
// line so that an update reads as a diff of the models that changed.
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { waitForUpdate } from '@pydantic/genai-prices'

const here = dirname(fileURLToPath(import.meta.url))
const catalogDir = join(here, '../src/main/resources/dev/costtrace/pricing/catalog')
const pkg = JSON.parse(
  readFileSync(join(here, 'node_modules/@pydantic/genai-prices/package.json'), 'utf8'))

const PROVIDER_FIELDS = ['id', 'name', 'pricing_urls', 'api_pattern', 'provider_match',
  'model_match', 'fallback_model_providers', 'price_comments']
const MODEL_FIELDS = ['id', 'name', 'match', 'context_window', 'deprecated', 'price_comments',
  'prices']

function pick (object, fields) {
  const out = {}
  for (const f of fields) {
    if (object[f] !== undefined) out[f] = object[f]
  }
  return out
}

// Without updatePrices, the promise holds the data bundled in the package.
const providers = await waitForUpdate()
const lines = ['[']
let models = 0
providers.forEach((p, i) => {
  const header = JSON.stringify({ ...pick(p, PROVIDER_FIELDS), models: [] })
  lines.push(header.slice(0, -'[]}'.length) + '[') // the provider, its models array left open
  p.models.forEach((m, j) => {
    lines.push(JSON.stringify(pick(m, MODEL_FIELDS)) + (j < p.models.length - 1 ? ',' : ''))
    models++
  })
  lines.push(']}' + (i < providers.length - 1 ? ',' : ''))
})
lines.push(']')
writeFileSync(join(catalogDir, 'genai-prices.json'), lines.join('\n') + '\n')
writeFileSync(join(catalogDir, 'genai-prices.properties'),
  `# Written by span-pricing/pricing/genai-prices/generate.mjs: where genai-prices.json comes from.\n` +
  `package=${pkg.name}\nversion=${pkg.version}\nlicense=${pkg.license}\n` +
  `providers=${providers.length}\nmodels=${models}\n`)
console.log(`${pkg.name} ${pkg.version}: ${providers.length} providers, ${models} models`)
