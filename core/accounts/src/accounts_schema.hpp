#pragma once
// The accounts' own tables (component "accounts" in component_schema; see
// hearth/accounts/component_schema.hpp for why they are not in the core's list).
#include <hearth/store/database.hpp>
#include <vector>

namespace hearth::accounts::detail {

const std::vector<store::Migration> &accounts_schema();

}  // namespace hearth::accounts::detail
