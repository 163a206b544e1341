/**
 * Reports over the stored costs: top conversations (or traces, models, tenants, features) and
 * percentiles.
 */
package dev.costtrace.sink.report;
