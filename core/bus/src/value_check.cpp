#include <cmath>
#include <hearth/bus/value_check.hpp>

namespace hearth::bus {

std::string_view value_type_name(int32_t value_type) {
  switch (value_type) {
    case HEARTH_VALUE_NONE:
      return "none";
    case HEARTH_VALUE_DOUBLE:
      return "double";
    case HEARTH_VALUE_INT:
      return "int";
    case HEARTH_VALUE_BOOL:
      return "bool";
    case HEARTH_VALUE_STRING:
      return "string";
    default:
      return "unknown";
  }
}

bool is_value_type(int32_t value_type) {
  return value_type >= HEARTH_VALUE_DOUBLE && value_type <= HEARTH_VALUE_STRING;
}

std::optional<std::string> check_value(const hearth_value &value) {
  switch (value.type) {
    case HEARTH_VALUE_DOUBLE:
      if (!std::isfinite(value.as.d)) return "a double value is NaN or infinite";
      return std::nullopt;
    case HEARTH_VALUE_INT:
      return std::nullopt;
    case HEARTH_VALUE_BOOL:
      if (value.as.b != 0 && value.as.b != 1) {
        return "a bool value is " + std::to_string(value.as.b) + ", not 0 or 1";
      }
      return std::nullopt;
    case HEARTH_VALUE_STRING:
      if (!bounded_text(value.as.s)) return "a string value is not NUL-terminated within 32 bytes";
      return std::nullopt;
    default:
      return "value type " + std::to_string(value.type) + " is not double, int, bool or string";
  }
}

}  // namespace hearth::bus
