/** The fault soak: many rounds of each kill under load, outside CI (see {@code FaultSoak}). */
package dev.costtrace.bench.faults;
