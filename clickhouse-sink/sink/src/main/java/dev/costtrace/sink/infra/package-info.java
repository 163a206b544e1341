/**
 * Infrastructure cost per conversation: the rules of {@code COSTTRACE_INFRA_COSTS} (a shared cost
 * per month or hour, which spans use it, per second, per call or per conversation, at the actual
 * use of each hour or a fixed rate) and the exact split of each hour's cost over the traces that
 * used it, whose rollups, and so their conversations', carry it as {@code infra:<name>}.
 */
package dev.costtrace.sink.infra;
