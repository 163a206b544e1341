-- Whether any call that started within [from_ns, to_ns) stands for more than itself (adjusted_count
-- > 1): without one, grouped_estimates.sql has nothing to estimate, and it joins every call of the
-- window with its trace's rollup (the bulk of a 30-day grouped read on 10 million spans). Any
-- stored version of a span counts (no FINAL): a wrong yes only costs the estimate's query.
-- Parameters: db, from_ns, to_ns.
SELECT count() AS sampled
FROM
(
    SELECT 1
    FROM {db:Identifier}.span_rows
    WHERE start_time >= fromUnixTimestamp64Nano({from_ns:Int64}, 'UTC')
        AND start_time < fromUnixTimestamp64Nano({to_ns:Int64}, 'UTC')
        AND adjusted_count > 1
    LIMIT 1
)
