/**
 * Finds the ClickHouse to use: a configured server (production), a Testcontainers server when a
 * Docker engine is reachable, or an embedded engine — chDB in its own Node.js process behind a
 * loopback HTTP front that speaks what the official Java client uses — for trying and testing.
 */
package dev.costtrace.sink.engine;
