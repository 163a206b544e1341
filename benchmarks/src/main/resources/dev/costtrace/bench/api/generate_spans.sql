-- Span rows with the demo workload's distributions (DemoWorkload): per conversation 70 % 1-3 turns,
-- 25 % 5-15, 5 % 15-30; one LLM call per turn (a model of the demo's seven, priced with their list
-- prices, the context growing turn by turn and cached after the first), a web search in 15 % of
-- turns; four tenants, four features, 400 users; starts spread over the last 30 days; half the
-- traces carry their conversation on the span, the other half only through their attribution.
-- About 5.77 spans per conversation, written as span rows (version 1, no tenant key: auth off);
-- the rollups are computed after the load by the writer's recomputation. Slots: {db}, {conversations}.
INSERT INTO {db}.span_rows (trace_id, span_id, parent_span_id, start_time, end_time, duration_ns, service_name, conversation_id, tenant_id, user_id, feature, provider, request_model, response_model, operation, tool_name, span_status, input_tokens, cache_read_tokens, output_tokens, reasoning_tokens, input_cost, output_cost, tool_cost, total_cost, pricing_status, pricing_reason, catalog_version, price_entry, time_to_first_token_ns, row_version)
SELECT
  leftPad(lower(hex(cityHash64(c, turn, 'trace'))), 16, '0') || leftPad(lower(hex(cityHash64(c, turn, 't2'))), 16, '0') AS trace_id,
  leftPad(lower(hex(cityHash64(c, turn, kind))), 16, '0') AS span_id,
  '' AS parent_span_id,
  toDateTime64(now() - INTERVAL 30 DAY, 9, 'UTC') + toIntervalSecond(cityHash64(c, 'start') % (30*86400 - 7200) + turn * 90 + kind) AS st,
  st + toIntervalMillisecond(600 + output / 2) AS et,
  toInt64(600 + output / 2) * 1000000 AS dur,
  'demo-chat-app',
  if(cityHash64(c, turn, 'carry') % 2 = 0, 'conv-' || leftPad(toString(c), 7, '0'), '') AS conv,
  ['acme','globex','initech','umbrella'][1 + cityHash64(c,'tenant') % 4] AS tenant,
  'user-' || toString(cityHash64(c,'user') % 400),
  ['support-chat','code-assistant','search','summarize'][1 + cityHash64(c,'feature') % 4],
  if(kind = 1, '', ['openai','openai','openai','anthropic','anthropic','gcp.gemini','aws.bedrock'][m]),
  if(kind = 1, '', ['gpt-4o-mini','gpt-4o','o4-mini','claude-sonnet-4-5','claude-haiku-4-5','gemini-2.5-flash','us.anthropic.claude-3-5-sonnet-20241022-v2:0'][m]) AS model,
  model,
  if(kind = 1, 'execute_tool', 'chat'),
  if(kind = 1, 'web_search', ''),
  'UNSET',
  if(kind = 1, 0, 800 + turn * 700 + cityHash64(c, turn, 'in') % 2800) AS input,
  if(kind = 1 or turn = 0, 0, intDiv(800 + (turn-1) * 700, 1024) * 1024) AS cached,
  if(kind = 1, 0, 80 + cityHash64(c, turn, 'out') % 700) AS output,
  0,
  toDecimal128((input - cached) * [150000,2500000,1100000,3000000,1000000,300000,3000000][m], 12) / 1000000000000 AS in_cost,
  toDecimal128(output * [600000,10000000,4400000,15000000,5000000,2500000,15000000][m], 12) / 1000000000000 AS out_cost,
  if(kind = 1, toDecimal128(0.01, 12), toDecimal128(0, 12)) AS tool_cost,
  if(kind = 1, tool_cost, in_cost + out_cost),
  'PRICED', '', 'bundled@bench', '', -1, 1
FROM (
  SELECT c, turn, m FROM (
    SELECT number AS c, 1 + cityHash64(number, 'model') % 7 AS m,
      cityHash64(number, 'kind') % 100 AS u,
      if(u < 70, 1 + cityHash64(number, 'n') % 3, if(u < 95, 5 + cityHash64(number, 'n') % 11, 15 + cityHash64(number, 'n') % 16)) AS n
    FROM numbers({conversations})
  ) ARRAY JOIN range(n) AS turn
) ARRAY JOIN if(cityHash64(c, turn, 'tool') % 100 < 15, [0, 1], [0]) AS kind
SETTINGS max_insert_block_size = 1000000
