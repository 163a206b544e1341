/**
 * Retroactive repricing: stored spans priced again with the current catalog, written as new
 * versions of their rows (the previous total and catalog version kept for audit), their rollups
 * recomputed, idempotently ({@link dev.costtrace.sink.reprice.Repricing}). The pricing itself is
 * passed in, so that this module does not depend on the price catalog.
 */
package dev.costtrace.sink.reprice;
