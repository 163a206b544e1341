package dev.costtrace.sink;

import java.util.EnumSet;
import java.util.Set;

/**
 * ClickHouse error codes the sink acts on, by the names ClickHouse gives them ({@code
 * errorCodeToName(code)}, {@code src/Common/ErrorCodes.cpp}).
 */
enum ClickHouseError {
  CANNOT_PARSE_TEXT(6, true),
  CANNOT_PARSE_INPUT_ASSERTION_FAILED(27, true),
  CANNOT_READ_ALL_DATA(33, true),
  CANNOT_PARSE_DATE(38, true),
  CANNOT_PARSE_DATETIME(41, true),
  TYPE_MISMATCH(53, true),
  ARGUMENT_OUT_OF_BOUND(69, true),
  CANNOT_CONVERT_TYPE(70, true),
  CANNOT_PARSE_NUMBER(72, true),
  INCORRECT_DATA(117, true),
  TOO_LARGE_STRING_SIZE(131, true),
  SIZES_OF_ARRAYS_DONT_MATCH(190, true),
  VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE(321, true),
  DECIMAL_OVERFLOW(407, true),
  VIOLATED_CONSTRAINT(469, true),

  // The server, not the batch: overloaded, unavailable, or set up wrong. Splitting a batch cannot
  // help (every row would fail alike and be dead-lettered), so these are retried for ever.
  NO_SUCH_COLUMN_IN_TABLE(16, false),
  UNKNOWN_TABLE(60, false),
  UNKNOWN_DATABASE(81, false),
  TIMEOUT_EXCEEDED(159, false),
  READONLY(164, false),
  UNKNOWN_USER(192, false),
  REQUIRED_PASSWORD(194, false),
  TOO_MANY_SIMULTANEOUS_QUERIES(202, false),
  NO_FREE_CONNECTION(203, false),
  SOCKET_TIMEOUT(209, false),
  NETWORK_ERROR(210, false),
  ABORTED(236, false),
  MEMORY_LIMIT_EXCEEDED(241, false),
  TABLE_IS_READ_ONLY(242, false),
  NOT_ENOUGH_SPACE(243, false),
  ALL_CONNECTION_TRIES_FAILED(279, false),
  TOO_FEW_LIVE_REPLICAS(285, false),
  UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE(286, false),
  UNKNOWN_STATUS_OF_INSERT(319, false),
  QUERY_WAS_CANCELLED(394, false),
  CANNOT_SCHEDULE_TASK(439, false),
  ACCESS_DENIED(497, false),
  AUTHENTICATION_FAILED(516, false),
  KEEPER_EXCEPTION(999, false);

  /**
   * What client-v2 reports when the answer named no ClickHouse error
   * (ServerException.CODE_UNKNOWN).
   */
  static final int NO_CODE = 0;

  /**
   * Errors that blame the rows of an insert, not the server: retrying the same rows cannot help.
   */
  static final Set<ClickHouseError> DATA_ERRORS = EnumSet.noneOf(ClickHouseError.class);

  /** Errors of the server or its setup: retried with backoff for ever, never split. */
  static final Set<ClickHouseError> SERVER_ERRORS = EnumSet.noneOf(ClickHouseError.class);

  static {
    for (ClickHouseError e : values()) {
      (e.data ? DATA_ERRORS : SERVER_ERRORS).add(e);
    }
  }

  private final int code;
  private final boolean data;

  ClickHouseError(int code, boolean data) {
    this.code = code;
    this.data = data;
  }

  int code() {
    return code;
  }

  /** Whether a server error code blames the data (see {@link #DATA_ERRORS}). */
  static boolean blamesTheData(int code) {
    return in(DATA_ERRORS, code);
  }

  /**
   * Whether an error may be the batch's own (neither data nor {@link #SERVER_ERRORS}: e.g.
   * TOO_MANY_PARTS from rows over more days than {@code max_partitions_per_insert_block}, an error
   * a materialized view throws for some rows): once it repeats, the batch is split to find the rows
   * at fault. Never an answer without a ClickHouse error code ({@value #NO_CODE}): it came from
   * something in between (a proxy or load balancer answering 502/503 while ClickHouse is away, the
   * embedded engine's front while it restarts) or was cut off, and splitting on it would
   * dead-letter a healthy batch during an outage.
   */
  static boolean mayBlameTheBatch(int code) {
    return code != NO_CODE && !in(SERVER_ERRORS, code);
  }

  private static boolean in(Set<ClickHouseError> set, int code) {
    for (ClickHouseError e : set) {
      if (e.code == code) {
        return true;
      }
    }
    return false;
  }
}
