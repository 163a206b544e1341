/**
 * The fault harness of the fault tests and the fault soak: {@code costtrace serve} as a process
 * ({@link dev.costtrace.testing.faults.ServeProcess}), the embedded engine as a process on a fixed
 * port ({@link dev.costtrace.testing.faults.EngineProcess}), both killed with SIGKILL; a proxy in
 * front of ClickHouse that kills the engine at a chosen query of a batch ({@link
 * dev.costtrace.testing.faults.ClickHouseFaultProxy}); and a load of real SDK spans sent by the
 * SDK's own OTLP exporter, which remembers what was acknowledged ({@link
 * dev.costtrace.testing.faults.TurnLoad}).
 */
package dev.costtrace.testing.faults;
