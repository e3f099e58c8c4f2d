#include "hearth/energy/clock_sync.hpp"

#include <sys/timex.h>

namespace hearth::energy {

bool clock_synchronised_from(int adjtime_result, int status_flags) {
  return adjtime_result != -1 && adjtime_result != TIME_ERROR && (status_flags & STA_UNSYNC) == 0;
}

bool system_clock_synchronised() {
  timex state{};
  state.modes = 0;  // read only
  const int result = ntp_adjtime(&state);
  return clock_synchronised_from(result, state.status);
}

}  // namespace hearth::energy
