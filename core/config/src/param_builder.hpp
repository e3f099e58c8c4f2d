// Parameter descriptions for the core's own sections (site, links, devices, energy), written the
// way a plugin's table reads: Param(HEARTH_PARAM_DOUBLE, "fuse_a").required().range(6, 1000).
#pragma once

#include "hearth/plugin.h"

namespace hearth::config::detail {

class Param {
 public:
  constexpr Param(int32_t type, const char *name) : desc_{} {
    desc_.struct_size = sizeof(hearth_param_desc);
    desc_.type = type;
    desc_.name = name;
  }
  constexpr Param required() const {
    return with([](auto &d) { d.flags |= HEARTH_PARAM_REQUIRED; });
  }
  constexpr Param at_least(double min) const {
    return with([min](auto &d) {
      d.flags |= HEARTH_PARAM_HAS_MIN;
      d.min = min;
    });
  }
  constexpr Param at_most(double max) const {
    return with([max](auto &d) {
      d.flags |= HEARTH_PARAM_HAS_MAX;
      d.max = max;
    });
  }
  constexpr Param range(double min, double max) const { return at_least(min).at_most(max); }
  constexpr Param fallback(const char *value) const {
    return with([value](auto &d) { d.default_value = value; });
  }
  constexpr Param choices(const char *choices) const {
    return with([choices](auto &d) { d.choices = choices; });
  }
  constexpr Param unit(const char *unit) const {
    return with([unit](auto &d) { d.unit = unit; });
  }

  constexpr operator hearth_param_desc() const { return desc_; }  // NOLINT: a builder

 private:
  template <typename Change>
  constexpr Param with(Change change) const {
    Param copy = *this;
    change(copy.desc_);
    return copy;
  }

  hearth_param_desc desc_;
};

}  // namespace hearth::config::detail
