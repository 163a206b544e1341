/**
 * The versioned schema: numbered {@code .sql} migrations (up and down) rendered for one server or a
 * cluster, and the runner that applies them and records what it applied.
 */
package dev.costtrace.sink.schema;
