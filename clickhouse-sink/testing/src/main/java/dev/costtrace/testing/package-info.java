/**
 * Test plumbing shared by every module's tests, never shipped: one ClickHouse per test JVM ({@link
 * dev.costtrace.testing.TestClickHouse}) and a self-signed certificate for TLS tests. Other modules
 * depend on this one at test scope only.
 */
package dev.costtrace.testing;
