/**
 * The bridge between the agent's instrumentation (helper classes in each application class loader)
 * and its budget engine (in the agent's extension class loader): plain JDK types only, one gate
 * installed at agent start. Not an application API.
 */
package dev.costtrace.budget.api.internal;
