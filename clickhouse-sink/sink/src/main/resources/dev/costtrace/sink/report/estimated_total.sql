-- Money estimated from probability-sampled calls, apart from counted money: over the calls that
-- started in the window, how many stand for more than themselves (adjusted_count > 1: their
-- emitter sampled them with probability 1 / adjusted_count and said so), the counted total (each
-- stored call once, as every other figure of the report) and the estimate (each weighed by its
-- adjusted count). Never per conversation: a conversation's total is what was counted.
-- Slots: {db}, {seconds}.
SELECT
    countIf(adjusted_count > 1) AS sampled_calls,
    sum(total_cost) AS counted,
    sum(toDecimal128(total_cost * adjusted_count, 12)) AS estimated
FROM {db}.span_rows FINAL
WHERE start_time >= now64(9) - toIntervalSecond({seconds})
