package dev.costtrace.pricing.catalog;

import java.time.LocalDate;
import java.time.LocalTime;

/**
 * Prices with the condition under which they apply (genai-prices {@code ConditionalPrice}).
 *
 * @param startDate UTC date from which these prices apply, or null
 * @param startTime start of a daily UTC window (off-peak pricing), or null
 * @param endTime end of that window, exclusive, or null
 * @param prices the prices
 */
public record ConditionalPrice(
    LocalDate startDate, LocalTime startTime, LocalTime endTime, ModelPrice prices) {

  boolean appliesAt(LocalDate date, LocalTime time) {
    if (startDate != null && date.isBefore(startDate)) {
      return false;
    }
    if (startTime != null && endTime != null) {
      if (startTime.isBefore(endTime)) {
        return !time.isBefore(startTime) && time.isBefore(endTime);
      }
      return !time.isBefore(startTime) || time.isBefore(endTime); // window across midnight
    }
    return true;
  }

  /** When these prices apply, for provenance: {@code base}, {@code prices from 2025-06-10}, ... */
  public String label() {
    if (startDate != null) {
      return "prices from " + startDate;
    }
    if (startTime != null) {
      return "prices " + startTime + "-" + endTime + " UTC";
    }
    return "base";
  }
}
