#pragma once
// Migrations for a component that keeps its own tables in the core's database file.
// store::Database applies one ordered list (the core's schema, core/store/src/schema.cpp) and
// keeps one version number; a component such as the accounts must not append to that list from
// outside core/store. So each component gets its own version row in `component_schema`
// (component TEXT, version INTEGER) and its own ordered steps, with the same rules as the
// core's: step i brings the component to version i, released steps are never edited, and each
// step runs in one transaction with its version record.
#include <hearth/store/database.hpp>
#include <string>
#include <vector>

namespace hearth::accounts {

// Applies the steps `component` has not seen yet; returns how many ran. Throws
// std::runtime_error naming the step when one fails, or when the file's version for the
// component is newer than `steps`.
int migrate_component(store::Database &db, const std::string &component,
                      const std::vector<store::Migration> &steps);

// The component's version in the file (0 when it never ran).
int component_version(store::Database &db, const std::string &component);

}  // namespace hearth::accounts
