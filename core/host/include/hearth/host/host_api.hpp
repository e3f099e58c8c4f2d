#pragma once
#include <hearth/plugin.h>

namespace hearth::host {

// The one host table handed to every plugin; its functions find their Runtime through the
// calling device's handle (entry-time calls pass no device and may only log).
const hearth_host_api &host_api_table();

}  // namespace hearth::host
