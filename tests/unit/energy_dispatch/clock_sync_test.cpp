// The kernel's clock state decides whether TOU may run.
#include "hearth/energy/clock_sync.hpp"

#include <gtest/gtest.h>
#include <sys/timex.h>

namespace hearth::energy {
namespace {

TEST(ClockSync, KernelStatesAreReadAsDocumented) {
  EXPECT_TRUE(clock_synchronised_from(TIME_OK, 0));
  EXPECT_TRUE(clock_synchronised_from(TIME_INS, STA_PLL));
  EXPECT_FALSE(clock_synchronised_from(TIME_OK, STA_UNSYNC));
  EXPECT_FALSE(clock_synchronised_from(TIME_ERROR, 0));
  EXPECT_FALSE(clock_synchronised_from(-1, 0));
}

TEST(ClockSync, TheSystemCallAgreesWithItsOwnFlags) {
  // Whatever this machine's state, the function reports what ntp_adjtime says.
  timex state{};
  const int result = ntp_adjtime(&state);
  EXPECT_EQ(system_clock_synchronised(), clock_synchronised_from(result, state.status));
}

}  // namespace
}  // namespace hearth::energy
