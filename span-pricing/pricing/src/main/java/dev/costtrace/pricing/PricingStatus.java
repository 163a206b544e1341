package dev.costtrace.pricing;

/** What the pricer could say about a span's cost; never a silent zero. */
public enum PricingStatus {
  /** Every token class and fee with usage had a price. */
  PRICED,
  /** The span has usage but no catalog entry matches its model (or it names no model). */
  UNKNOWN_MODEL,
  /** The span is an LLM span but reports no usable token counts. */
  NO_USAGE,
  /** Some token class with usage had no price; the total covers the others. */
  PARTIAL,
  /** A tool span whose tool has no entry in the tool cost registry. */
  UNREGISTERED_TOOL,
  /** A token count was negative, absurd or not a number; the total covers the valid classes. */
  INVALID_USAGE,
  /** Not an LLM or tool span: nothing to price. */
  NOT_APPLICABLE
}
