#pragma once
// The backends' factories (make_hal picks one) and the shared settings check.
#include <hearth/hal/hal.hpp>
#include <memory>
#include <string>

namespace hearth::hal {

// Throws std::invalid_argument listing every problem validate_hal_settings finds.
void throw_if_invalid(const HalSettings &settings);

// The clock the settings name, or the system clock.
hearth::Clock &clock_of(const HalSettings &settings);
// "run" | "alarm" | "comm" (validated before).
LedId led_id_of(const std::string &name);

std::unique_ptr<Hal> make_linux_hal(const HalSettings &settings);

}  // namespace hearth::hal
