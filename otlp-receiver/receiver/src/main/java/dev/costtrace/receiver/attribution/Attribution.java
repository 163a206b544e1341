package dev.costtrace.receiver.attribution;

/**
 * What a trace belongs to, as far as known.
 *
 * @param conversationId empty when unknown
 * @param tenantId empty when unknown
 * @param userId empty when unknown
 * @param feature empty when unknown
 */
public record Attribution(String conversationId, String tenantId, String userId, String feature) {
  public static final Attribution NONE = new Attribution("", "", "", "");

  public boolean isEmpty() {
    return conversationId.isEmpty() && tenantId.isEmpty() && userId.isEmpty() && feature.isEmpty();
  }

  /** This attribution with the other's values filling the gaps. */
  public Attribution orElse(Attribution other) {
    if (!fills(other)) {
      return this; // the common case per span: nothing new, nothing allocated
    }
    return new Attribution(
        conversationId.isEmpty() ? other.conversationId : conversationId,
        tenantId.isEmpty() ? other.tenantId : tenantId,
        userId.isEmpty() ? other.userId : userId,
        feature.isEmpty() ? other.feature : feature);
  }

  /** Whether the other has a value where this has a gap, i.e. {@link #orElse} would change this. */
  public boolean fills(Attribution other) {
    return (conversationId.isEmpty() && !other.conversationId.isEmpty())
        || (tenantId.isEmpty() && !other.tenantId.isEmpty())
        || (userId.isEmpty() && !other.userId.isEmpty())
        || (feature.isEmpty() && !other.feature.isEmpty());
  }
}
