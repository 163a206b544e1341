package dev.costtrace.sink;

import java.util.EnumSet;
import java.util.Set;

/**
 * ClickHouse error codes the sink acts on, by the names ClickHouse gives them
 * ({@code errorCodeToName(code)}, {@code src/Common/ErrorCodes.cpp}).
 */
enum ClickHouseError {
  CANNOT_PARSE_TEXT(6),
  CANNOT_PARSE_INPUT_ASSERTION_FAILED(27),
  CANNOT_READ_ALL_DATA(33),
  CANNOT_PARSE_DATE(38),
  CANNOT_PARSE_DATETIME(41),
  TYPE_MISMATCH(53),
  ARGUMENT_OUT_OF_BOUND(69),
  CANNOT_CONVERT_TYPE(70),
  CANNOT_PARSE_NUMBER(72),
  INCORRECT_DATA(117),
  TOO_LARGE_STRING_SIZE(131),
  SIZES_OF_ARRAYS_DONT_MATCH(190),
  VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE(321),
  DECIMAL_OVERFLOW(407),
  VIOLATED_CONSTRAINT(469);

  /** Errors that blame the rows of an insert, not the server: retrying the same rows cannot help. */
  static final Set<ClickHouseError> DATA_ERRORS = EnumSet.allOf(ClickHouseError.class);

  private final int code;

  ClickHouseError(int code) {
    this.code = code;
  }

  int code() {
    return code;
  }

  /** Whether a server error code blames the data (see {@link #DATA_ERRORS}). */
  static boolean blamesTheData(int code) {
    for (ClickHouseError e : DATA_ERRORS) {
      if (e.code == code) {
        return true;
      }
    }
    return false;
  }
}
