/**
 * The path of a decoded export request: validate, normalise and price (span-pricing), attribute to
 * trace and conversation, hand to the sink (clickhouse-sink).
 */
package dev.costtrace.receiver.pipeline;
