/**
 * How many spans one received span stands for: 1 for spans that were counted (kept by the CostTrace
 * agent, or from emitters that do not sample by probability), the adjusted count 1/p for spans of
 * emitters that sample with probability p and say so, from which aggregate totals may be estimated
 * — marked estimated wherever they are shown, never mixed with counted money.
 */
package dev.costtrace.receiver.sampling;
