-- The cumulative share of spend against the share of conversations in [from_ns, to_ns): for
-- i = 1 … 100, the spend of the most expensive ceil(i % of n) conversations (top_cost[i]), and the
-- conversations' total. Parameters: db, from_ns, to_ns.
SELECT
    arrayMap(i -> arrayElement(cumulative, toUInt64(ceil(n * i / 100))), range(1, 101)) AS top_cost,
    total
FROM
(
    SELECT arrayCumSum(arrayReverseSort(groupArray(c))) AS cumulative, count() AS n, sum(c) AS total
    FROM
    (
        {include:review_conversations}
    )
)
