/**
 * Test only, never shipped: an agent extension ({@code target/costtrace-test-faults.jar}, loaded
 * next to the real one with {@code -Dotel.javaagent.extensions}) that makes the CostTrace hooks
 * throw where they run inside the app's calls — every response mapper, every stream chunk, the
 * HTTP capture's body tee, the end of a tool span — so the ITs can show that a bug of ours changes
 * nothing the application sees, without a test switch in the product.
 */
package dev.costtrace.agent.faults;
