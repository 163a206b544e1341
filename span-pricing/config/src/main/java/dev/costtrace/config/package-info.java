/**
 * Configuration in the OpenTelemetry style, shared by every module: a system property {@code
 * costtrace.foo.bar} beats the environment variable {@code COSTTRACE_FOO_BAR}; defaults live in the
 * builders that take the values, never here; a bad value fails fast naming the key.
 */
package dev.costtrace.config;
