package dev.costtrace.pricing.normalize;

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

  /** The number of fields, in the order of {@link #field}: conversation, tenant, user, feature. */
  public static final int FIELDS = 4;

  /** A field by its number: 0 conversation, 1 tenant, 2 user, 3 feature. */
  public String field(int field) {
    return switch (field) {
      case 0 -> conversationId;
      case 1 -> tenantId;
      case 2 -> userId;
      case 3 -> feature;
      default -> throw new IndexOutOfBoundsException("attribution field " + field);
    };
  }

  /** This attribution with the tenant replaced (a bearer token's tenant beats what spans say). */
  public Attribution withTenant(String tenant) {
    return tenant.equals(tenantId)
        ? this
        : new Attribution(conversationId, tenant, userId, feature);
  }

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
