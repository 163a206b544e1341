/**
 * Exact rollups: the per-trace and per-conversation rollups as a function of the stored span rows
 * and attribution observations, recomputed for every trace a batch touches ({@link
 * dev.costtrace.sink.rollup.RollupRecomputer}), and checked against a fresh recomputation ({@link
 * dev.costtrace.sink.rollup.RollupVerifier}). The rules themselves are the SQL beside these classes
 * ({@code trace_rollups.sql}, {@code conversation_rollups.sql}).
 */
package dev.costtrace.sink.rollup;
