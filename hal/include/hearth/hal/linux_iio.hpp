#pragma once
// The linux backend's CT input: IIO buffered capture from the board's ADC. It finds the IIO
// device by its `name`, enables the configured voltage and current scan elements (and the
// timestamp, switched to the monotonic clock, when the driver has one), sets the buffer up and
// reads the character device without blocking; CtFrameDecoder does the rest.
#include <hearth/core/clock.hpp>
#include <hearth/hal/ct.hpp>
#include <hearth/hal/settings.hpp>
#include <memory>

namespace hearth::hal {

// Throws std::runtime_error naming the device, file or element that is missing or refused
// (e.g. "iio: no device named 'ads131e08' under /sys/bus/iio/devices (found: adc0)").
std::unique_ptr<CtInput> open_iio_ct_input(const CtSettings &settings, hearth::Clock &clock);

}  // namespace hearth::hal
