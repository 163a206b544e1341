/**
 * Test only, never shipped: an agent extension ({@code target/costtrace-test-faults.jar}, loaded
 * next to the real one with {@code -Dotel.javaagent.extensions}) that makes the end of every span
 * CostTrace makes throw, inside the app's calls — at the end of a blocking call, on the event that
 * ends a stream, at the end of a tool execution, when an HTTP body is read to its end — so the ITs
 * can show that a failure under our hooks changes nothing the application sees, without a test
 * switch in the product.
 */
package dev.costtrace.agent.faults;
