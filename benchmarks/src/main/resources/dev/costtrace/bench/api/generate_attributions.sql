-- One attribution observation per trace of generate_spans.sql: its LLM span (the root, which
-- starts first) says conversation, tenant, user and feature. Slots: {db}, {conversations}.
INSERT INTO {db}.span_attributions (auth_tenant, trace_id, span_id, start_time, conversation_id, tenant_id, user_id, feature, observed_at)
SELECT
  '',
  leftPad(lower(hex(cityHash64(c, turn, 'trace'))), 16, '0') || leftPad(lower(hex(cityHash64(c, turn, 't2'))), 16, '0'),
  leftPad(lower(hex(cityHash64(c, turn, toUInt8(0)))), 16, '0'),
  toDateTime64(now() - INTERVAL 30 DAY, 9, 'UTC') + toIntervalSecond(cityHash64(c, 'start') % (30*86400 - 7200) + turn * 90) AS st,
  'conv-' || leftPad(toString(c), 7, '0'),
  ['acme','globex','initech','umbrella'][1 + cityHash64(c,'tenant') % 4],
  'user-' || toString(cityHash64(c,'user') % 400),
  ['support-chat','code-assistant','search','summarize'][1 + cityHash64(c,'feature') % 4],
  st
FROM (
    SELECT number AS c, cityHash64(number, 'kind') % 100 AS u,
      if(u < 70, 1 + cityHash64(number, 'n') % 3, if(u < 95, 5 + cityHash64(number, 'n') % 11, 15 + cityHash64(number, 'n') % 16)) AS n
    FROM numbers({conversations})
) ARRAY JOIN range(n) AS turn
SETTINGS max_insert_block_size = 1000000
