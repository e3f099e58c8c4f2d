// The linux backend's logic that needs no GPIO chip: event time stamps, and a clear refusal when
// a configured line name does not exist (libgpiod really searches the machine's chips).
#include <gtest/gtest.h>

#include <hearth/hal/hal.hpp>
#include <hearth/hal/linux_gpio.hpp>

namespace hearth::hal {
namespace {

constexpr int64_t kS = 1'000'000'000;

TEST(GpioEventTime, AMonotonicStampIsKept) {
  const timespec stamp{100, 250};
  EXPECT_EQ(gpio_event_mono_ns(stamp, 100 * kS + 5'000'000), 100 * kS + 250);
}

TEST(GpioEventTime, ARealtimeStampFromAnOldKernelFallsBackToTheReadTime) {
  const timespec wall{1'700'000'000, 0};
  EXPECT_EQ(gpio_event_mono_ns(wall, 5000 * kS), 5000 * kS);
  const timespec future{6000, 0};
  EXPECT_EQ(gpio_event_mono_ns(future, 5000 * kS), 5000 * kS);
  const timespec stale{4989, 0};  // 11 s old: implausible for a line event
  EXPECT_EQ(gpio_event_mono_ns(stale, 5000 * kS), 5000 * kS);
}

TEST(LinuxHal, AnUnknownGpioLineNameIsRefusedByName) {
  HalSettings settings;
  settings.backend = HalBackend::kLinux;
  settings.leds[0].gpio_line = "HEARTH_TEST_NO_SUCH_LINE";
  try {
    make_hal(settings);
    FAIL() << "the linux backend came up without the line";
  } catch (const std::runtime_error &error) {
    const std::string text = error.what();
    // Built with libgpiod: names the channel and the line; without: says what is missing.
    const bool named = text.find("gpio run (line 'HEARTH_TEST_NO_SUCH_LINE')") != std::string::npos;
    const bool no_gpiod = text.find("without libgpiod") != std::string::npos;
    EXPECT_TRUE(named || no_gpiod) << text;
  }
}

}  // namespace
}  // namespace hearth::hal
