#pragma once
// Which requests a link accepts, and how long a block may be at a given baud rate.
#include <hearth/plugin.h>

#include <hearth/links/link_settings.hpp>
#include <string>

namespace hearth::links {

// Bus time one frame may take, so that a SAFETY or CONTROL frame never waits longer than about
// this for the frame in flight (architecture.md, "The scheduler bus").
inline constexpr int kFrameBudgetMs = 100;
// Bits per byte used for the budget: the worst RTU case (8E1 or 8N2), so the cap holds for any
// character format.
inline constexpr int kBudgetBitsPerByte = 11;
// Protocol limits (Modbus Application Protocol V1.1b3, 6.3, 6.4 and 6.12).
inline constexpr int kMaxRegistersPerRead = 125;
inline constexpr int kMaxRegistersPerWrite = 123;

// Registers one read (function 3 or 4) may ask for at `baud` bit/s: the answer frame (5 bytes +
// 2 per register) fits kFrameBudgetMs. A baud <= 0 means no serial line (TCP): 125.
int max_registers_per_read(int baud);
// The same for a write of several registers (function 16): the request frame is 9 bytes + 2 per
// register.
int max_registers_per_write(int baud);

// Empty when `request` may go on a link with `settings`; otherwise a sentence saying why not,
// naming the field and the limit.
std::string check_request(const hearth_modbus_request &request, const LinkSettings &settings);

}  // namespace hearth::links
