-- Conversations of [from_ns, to_ns) by their spend in quarter-decade log buckets (each about 1.78
-- times the last; k = floor(4 log10 cost), the bucket [10^(k/4), 10^((k+1)/4)) USD), the same
-- buckets as the conversations dashboard; k = -1000 holds the conversations with no cost.
-- Parameters: db, from_ns, to_ns.
SELECT
    if(c = 0, -1000, toInt32(floor(log10(toFloat64(c)) * 4))) AS k,
    count() AS conversations
FROM
(
    {include:review_conversations}
)
GROUP BY k
ORDER BY k
