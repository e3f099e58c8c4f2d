#include "accounts_schema.hpp"

namespace hearth::accounts::detail {

const std::vector<store::Migration> &accounts_schema() {
  static const std::vector<store::Migration> steps = {
      {"accounts with argon2id hashes and a persisted lockout; their audit trail",
       "CREATE TABLE accounts ("
       "  name TEXT PRIMARY KEY NOT NULL,"  // 'installer' or 'owner' (the role)
       "  password_hash TEXT NOT NULL,"     // PHC-encoded argon2id
       "  password_is_initial INTEGER NOT NULL,"
       "  password_changed_wall_ms INTEGER NOT NULL,"
       "  failed_logins INTEGER NOT NULL DEFAULT 0,"
       "  first_failure_wall_ms INTEGER NOT NULL DEFAULT 0,"
       "  locked_until_wall_ms INTEGER NOT NULL DEFAULT 0"
       ") WITHOUT ROWID;"
       "CREATE TABLE accounts_audit ("
       "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
       "  wall_ms INTEGER NOT NULL,"
       "  account TEXT NOT NULL,"
       "  event TEXT NOT NULL,"
       "  peer TEXT NOT NULL DEFAULT '',"
       "  note TEXT NOT NULL DEFAULT ''"
       ");"},
  };
  return steps;
}

}  // namespace hearth::accounts::detail
