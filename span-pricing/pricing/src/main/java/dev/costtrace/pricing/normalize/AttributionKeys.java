package dev.costtrace.pricing.normalize;

import dev.costtrace.config.Config;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which span or resource attributes carry the conversation, tenant, user and feature, in order of
 * preference. Configurable with {@code costtrace.attribution.<field>.keys} (comma-separated); the
 * defaults are {@link AttributionAttributes}'. {@link SpanNormalizer} reads them in its one pass
 * over a span's attributes.
 */
public final class AttributionKeys {
  public static final List<String> DEFAULT_CONVERSATION = AttributionAttributes.CONVERSATION;
  public static final List<String> DEFAULT_TENANT = AttributionAttributes.TENANT;
  public static final List<String> DEFAULT_USER = AttributionAttributes.USER;
  public static final List<String> DEFAULT_FEATURE = AttributionAttributes.FEATURE;

  private static final int FIELDS = Attribution.FIELDS;

  /**
   * Attribute key → the fields it may fill and its preference among each field's keys, as pairs
   * {@code [field, rank, field, rank, …]}: one hash lookup per attribute instead of comparing every
   * configured key with every attribute (that was the receiver's top CPU cost per span).
   */
  private final Map<String, int[]> slots = new HashMap<>();

  public AttributionKeys(
      List<String> conversation, List<String> tenant, List<String> user, List<String> feature) {
    List<List<String>> fields =
        List.of(
            List.copyOf(conversation),
            List.copyOf(tenant),
            List.copyOf(user),
            List.copyOf(feature));
    for (int f = 0; f < FIELDS; f++) {
      List<String> keys = fields.get(f);
      for (int rank = 0; rank < keys.size(); rank++) {
        int[] old = slots.get(keys.get(rank));
        if (old != null && containsField(old, f)) {
          continue; // a key listed twice for one field keeps its first (better) rank
        }
        int[] slot = old == null ? new int[2] : Arrays.copyOf(old, old.length + 2);
        slot[slot.length - 2] = f;
        slot[slot.length - 1] = rank;
        slots.put(keys.get(rank), slot);
      }
    }
  }

  private static boolean containsField(int[] slot, int field) {
    for (int i = 0; i < slot.length; i += 2) {
      if (slot[i] == field) {
        return true;
      }
    }
    return false;
  }

  public static AttributionKeys defaults() {
    return new AttributionKeys(DEFAULT_CONVERSATION, DEFAULT_TENANT, DEFAULT_USER, DEFAULT_FEATURE);
  }

  public static AttributionKeys fromConfig(Config config) {
    return new AttributionKeys(
        config.getList("costtrace.attribution.conversation.keys").orElse(DEFAULT_CONVERSATION),
        config.getList("costtrace.attribution.tenant.keys").orElse(DEFAULT_TENANT),
        config.getList("costtrace.attribution.user.keys").orElse(DEFAULT_USER),
        config.getList("costtrace.attribution.feature.keys").orElse(DEFAULT_FEATURE));
  }

  /**
   * The fields {@code key} may fill and its preference among each field's keys, as pairs {@code
   * [field, rank, field, rank, …]}; null when it fills none.
   */
  int[] slot(String key) {
    return slots.get(key);
  }
}
