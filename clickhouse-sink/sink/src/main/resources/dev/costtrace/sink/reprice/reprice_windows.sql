-- How many span rows a repricing would read, per hour of their start: the repricing reads them a
-- window of hours at a time. Slots: {db}, {span_filter} on span_rows AS x.
SELECT toUnixTimestamp(toStartOfHour(x.start_time)) AS hour, count() AS spans
FROM {db}.span_rows AS x FINAL
WHERE {span_filter}
GROUP BY hour
ORDER BY hour
