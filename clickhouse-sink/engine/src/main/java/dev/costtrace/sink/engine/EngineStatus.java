package dev.costtrace.sink.engine;

/**
 * How the embedded engine is doing, for logs and {@code /metrics}.
 *
 * @param up whether its process is running and answered when it was (re)started
 * @param restarts how many times this process restarted it after it died (0 for an engine another
 *     process started and supervises)
 * @param pid the engine's Node.js process, or -1 when none runs
 * @param port its loopback port; restarts keep it, so clients need not reconnect elsewhere
 */
public record EngineStatus(boolean up, long restarts, long pid, int port) {}
