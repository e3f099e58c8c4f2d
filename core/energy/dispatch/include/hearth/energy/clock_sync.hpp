#pragma once
// Whether the system clock is synchronised (README.md, "Clock"): the kernel's view, which
// systemd-timesyncd, chrony and ntpd all keep (they clear STA_UNSYNC once the time is set).
namespace hearth::energy {

// Reads the kernel's NTP state with ntp_adjtime (no change made). False when the kernel says
// the clock is unsynchronised (TIME_ERROR or STA_UNSYNC) or the call fails.
bool system_clock_synchronised();

// The decision from ntp_adjtime's result and its `status` flags (for tests).
bool clock_synchronised_from(int adjtime_result, int status_flags);

}  // namespace hearth::energy
