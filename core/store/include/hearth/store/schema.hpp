#pragma once
// The core's schema, as ordered migrations. Append new steps at the end; never edit a step that
// has been released (a box that already ran it would not run the new text).
#include <hearth/store/database.hpp>
#include <vector>

namespace hearth::store {

const std::vector<Migration> &core_schema();

}  // namespace hearth::store
