package dev.costtrace.bench.reliability;

/**
 * One fault the receiver must come through. A scenario starts what it needs from the {@link
 * Workbench} (a receiver process, a gate in front of ClickHouse, load), causes its fault, lets it
 * recover and reports the figures; the suite checks that nothing acknowledged was lost or counted
 * twice.
 */
public interface Scenario {
  /** Short name, used on the command line and in the results. */
  String name();

  /** What the fault is, for the results file. */
  String fault();

  ScenarioResult run(Workbench bench) throws Exception;
}
