#include <hearth/accounts/accounts.hpp>
#include <hearth/accounts/component_schema.hpp>
#include <hearth/store/statement.hpp>

#include "accounts_schema.hpp"
#include "secrets.hpp"

namespace hearth::accounts {

namespace {

constexpr Role kRoles[] = {Role::installer, Role::owner};
constexpr size_t kTokenBytes = 32;
constexpr int64_t kAuditRowsKept = 1000;
constexpr size_t kAuditFieldBytes = 64;  // what a client sends is cut to this in the audit
constexpr int64_t kNsPerMs = 1'000'000;

int64_t ms_of(std::chrono::seconds seconds) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(seconds).count();
}

std::string minutes_text(int64_t ms) {
  const int64_t minutes = (ms + 59'999) / 60'000;
  return std::to_string(minutes) + (minutes == 1 ? " minute" : " minutes");
}

}  // namespace

std::string_view to_string(Role role) {
  return role == Role::installer ? "installer" : "owner";
}

std::optional<Role> role_from_name(std::string_view name) {
  for (const Role role : kRoles) {
    if (to_string(role) == name) return role;
  }
  return std::nullopt;
}

std::string_view to_string(LoginRefusal refusal) {
  switch (refusal) {
    case LoginRefusal::none:
      return "none";
    case LoginRefusal::unknown_account:
      return "unknown account";
    case LoginRefusal::wrong_password:
      return "wrong password";
    case LoginRefusal::locked_out:
      return "locked out";
    case LoginRefusal::password_free_not_here:
      return "password-free login not allowed from this address";
    case LoginRefusal::password_required:
      return "password required";
  }
  return "?";
}

Accounts::Accounts(store::Database &db, const Clock &clock, InitialPasswords initial,
                   AccountsSettings settings)
    : db_(db), clock_(clock), initial_(std::move(initial)), settings_(std::move(settings)) {
  migrate_component(db_, "accounts", detail::accounts_schema());
  // Hashed once here, so that a reset - on the core thread, from the RST button - is a plain
  // UPDATE and never waits for argon2.
  for (const Role role : kRoles) {
    initial_hashes_[static_cast<size_t>(role)] =
        hash_password(initial_password(role), settings_.hash);
  }
  for (const Role role : kRoles) {
    auto exists = db_.prepare("SELECT 1 FROM accounts WHERE name = ?");
    if (exists.bind(1, to_string(role)).step()) continue;
    db_.prepare(
           "INSERT INTO accounts (name, password_hash, password_is_initial, "
           "password_changed_wall_ms) VALUES (?, ?, 1, ?)")
        .bind(1, to_string(role))
        .bind(2, initial_hashes_[static_cast<size_t>(role)])
        .bind(3, clock_.wall_ms())
        .run();
  }
}

// --- login -------------------------------------------------------------------------------------

LoginResult Accounts::login(std::string_view account, std::string_view password,
                            std::string_view peer) {
  const auto role = role_from_name(account);
  if (!role) {
    std::lock_guard lock(mutex_);
    return refuse(account, peer, LoginRefusal::unknown_account,
                  "unknown account (the accounts are 'installer' and 'owner')");
  }
  if (password.empty()) {
    std::lock_guard lock(mutex_);
    return password_free_login(*role, peer);
  }
  if (password.size() > settings_.max_password_bytes) {
    // Never hand argon2 an unbounded input; no stored password can be this long.
    std::lock_guard lock(mutex_);
    record_failure(*role, peer);
    return refuse(account, peer, LoginRefusal::wrong_password, "wrong password");
  }
  std::lock_guard gate(hash_gate_);
  AccountState state;
  {
    std::lock_guard lock(mutex_);
    state = read_state(*role);
    if (const int64_t locked_ms = lock_remaining_ms(state, clock_.wall_ms()); locked_ms > 0) {
      auto result = refuse(account, peer, LoginRefusal::locked_out,
                           "too many wrong passwords: locked for " + minutes_text(locked_ms) +
                               " (or press RST for 10-60 s to reset the passwords)");
      result.locked_for_ms = locked_ms;
      return result;
    }
  }
  const bool match = verify_password(state.password_hash, password);
  std::lock_guard lock(mutex_);
  if (!match) {
    record_failure(*role, peer);
    const AccountState after = read_state(*role);
    const int64_t locked_ms = lock_remaining_ms(after, clock_.wall_ms());
    auto result = refuse(account, peer, LoginRefusal::wrong_password,
                         locked_ms > 0 ? "wrong password; too many wrong passwords: locked for " +
                                             minutes_text(locked_ms)
                                       : std::string("wrong password"));
    result.locked_for_ms = locked_ms;
    return result;
  }
  clear_failures(*role);
  const bool change_required = *role == Role::owner && state.password_is_initial;
  return open_session(*role, peer, false, change_required);
}

LoginResult Accounts::password_free_login(Role role, std::string_view peer) {
  if (clock_.mono_ns() >= password_free_until_mono_ns_) {
    return refuse(to_string(role), peer, LoginRefusal::password_required, "password required");
  }
  if (!is_local_peer(peer)) {
    return refuse(to_string(role), peer, LoginRefusal::password_free_not_here,
                  "password-free login is accepted only on the box's own access point or a "
                  "link-local address, not from " +
                      std::string(peer));
  }
  return open_session(role, peer, true, true);
}

bool Accounts::is_local_peer(std::string_view peer) const {
  const auto address = IpAddress::parse(peer);
  if (!address) return false;
  if (address->is_link_local()) return true;
  for (const auto &subnet : settings_.access_point_subnets) {
    if (subnet.contains(*address)) return true;
  }
  return false;
}

LoginResult Accounts::refuse(std::string_view account, std::string_view peer, LoginRefusal refusal,
                             std::string message) {
  record_audit(account, "refused", peer, to_string(refusal));
  LoginResult result;
  result.refusal = refusal;
  result.message = std::move(message);
  return result;
}

LoginResult Accounts::open_session(Role role, std::string_view peer, bool password_free,
                                   bool change_required) {
  const auto bytes = detail::random_bytes(kTokenBytes);
  LoginResult result;
  result.token = detail::to_hex(bytes.data(), bytes.size());
  result.session = SessionInfo{std::string(to_string(role)), role, change_required};
  const int64_t now = clock_.mono_ns();
  sessions_[detail::sha256_hex(result.token)] = Session{result.session, now, now, password_free};
  record_audit(to_string(role), "login", peer, password_free ? "password-free" : "");
  return result;
}

// --- lockout -----------------------------------------------------------------------------------

int64_t Accounts::lock_remaining_ms(const AccountState &state, int64_t now_wall_ms) const {
  const int64_t remaining = state.locked_until_wall_ms - now_wall_ms;
  if (remaining <= 0) return 0;
  // A wall clock that went back (a board without RTC before NTP) must not stretch a lock.
  return std::min(remaining, ms_of(settings_.lockout_duration));
}

void Accounts::record_failure(Role role, std::string_view peer) {
  AccountState state = read_state(role);
  const int64_t now = clock_.wall_ms();
  const bool window_over = state.failed_logins == 0 || now < state.first_failure_wall_ms ||
                           now - state.first_failure_wall_ms > ms_of(settings_.lockout_window);
  if (window_over) {
    state.failed_logins = 1;
    state.first_failure_wall_ms = now;
  } else {
    ++state.failed_logins;
  }
  if (state.failed_logins >= settings_.lockout_failures) {
    state.locked_until_wall_ms = now + ms_of(settings_.lockout_duration);
    state.failed_logins = 0;
    state.first_failure_wall_ms = 0;
    record_audit(to_string(role), "locked", peer,
                 std::to_string(settings_.lockout_failures) + " wrong passwords");
  }
  db_.prepare(
         "UPDATE accounts SET failed_logins = ?, first_failure_wall_ms = ?, "
         "locked_until_wall_ms = ? WHERE name = ?")
      .bind(1, static_cast<int64_t>(state.failed_logins))
      .bind(2, state.first_failure_wall_ms)
      .bind(3, state.locked_until_wall_ms)
      .bind(4, to_string(role))
      .run();
}

void Accounts::clear_failures(Role role) {
  db_.prepare(
         "UPDATE accounts SET failed_logins = 0, first_failure_wall_ms = 0, "
         "locked_until_wall_ms = 0 WHERE name = ?")
      .bind(1, to_string(role))
      .run();
}

// --- sessions ----------------------------------------------------------------------------------

Accounts::SessionMap::iterator Accounts::find_live_session(std::string_view token) {
  const auto found = sessions_.find(detail::sha256_hex(token));
  if (found == sessions_.end()) return found;
  const int64_t now = clock_.mono_ns();
  Session &session = found->second;
  const bool idle = now - session.last_used_mono_ns >= ms_of(settings_.session_idle) * kNsPerMs;
  const bool too_old = now - session.created_mono_ns >= ms_of(settings_.session_max) * kNsPerMs;
  if (idle || too_old) {
    sessions_.erase(found);
    return sessions_.end();
  }
  session.last_used_mono_ns = now;
  return found;
}

std::optional<SessionInfo> Accounts::check(std::string_view token) {
  std::lock_guard lock(mutex_);
  const auto found = find_live_session(token);
  if (found == sessions_.end()) return std::nullopt;
  return found->second.info;
}

bool Accounts::logout(std::string_view token) {
  std::lock_guard lock(mutex_);
  const auto found = find_live_session(token);
  if (found == sessions_.end()) return false;
  record_audit(found->second.info.account, "logout", "", "");
  sessions_.erase(found);
  return true;
}

void Accounts::end_sessions_of(std::string_view account, const std::string *except_key) {
  std::erase_if(sessions_, [&](const auto &entry) {
    return entry.second.info.account == account &&
           (except_key == nullptr || entry.first != *except_key);
  });
}

size_t Accounts::session_count() {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

// --- passwords ---------------------------------------------------------------------------------

std::optional<std::string> Accounts::check_new_password(Role role,
                                                        std::string_view new_password) const {
  if (new_password.size() < settings_.min_password_bytes) {
    return "the new password needs at least " + std::to_string(settings_.min_password_bytes) +
           " characters";
  }
  if (new_password.size() > settings_.max_password_bytes) {
    return "the new password may have at most " + std::to_string(settings_.max_password_bytes) +
           " characters";
  }
  if (detail::constant_time_equal(new_password, initial_password(role))) {
    return "the new password must differ from the initial password on the box";
  }
  if (new_password == to_string(role)) return "the new password must not be the account's name";
  return std::nullopt;
}

ChangeResult Accounts::change_password(std::string_view token, std::string_view current_password,
                                       std::string_view new_password) {
  std::lock_guard gate(hash_gate_);
  std::string key = detail::sha256_hex(token);
  Session session;
  AccountState state;
  {
    std::lock_guard lock(mutex_);
    const auto found = find_live_session(token);
    if (found == sessions_.end()) return {false, "not logged in (the session has ended)"};
    session = found->second;
    state = read_state(session.info.role);
  }
  if (auto broken = check_new_password(session.info.role, new_password)) return {false, *broken};
  if (!session.password_free) {
    const bool current_ok = current_password.size() <= settings_.max_password_bytes &&
                            verify_password(state.password_hash, current_password);
    if (!current_ok) {
      std::lock_guard lock(mutex_);
      record_failure(session.info.role, "");
      return {false, "the current password is wrong"};
    }
  }
  const std::string hash = hash_password(new_password, settings_.hash);
  std::lock_guard lock(mutex_);
  store_password(session.info.role, hash, false);
  end_sessions_of(session.info.account, &key);
  if (const auto found = sessions_.find(key); found != sessions_.end()) {
    found->second.info.password_change_required = false;
    found->second.password_free = false;
  }
  record_audit(session.info.account, "password-changed", "", "");
  return {true, ""};
}

void Accounts::store_password(Role role, const std::string &hash, bool is_initial) {
  db_.prepare(
         "UPDATE accounts SET password_hash = ?, password_is_initial = ?, "
         "password_changed_wall_ms = ?, failed_logins = 0, first_failure_wall_ms = 0, "
         "locked_until_wall_ms = 0 WHERE name = ?")
      .bind(1, hash)
      .bind(2, static_cast<int64_t>(is_initial ? 1 : 0))
      .bind(3, clock_.wall_ms())
      .bind(4, to_string(role))
      .run();
}

// --- resets ------------------------------------------------------------------------------------

void Accounts::reset_to_initial(std::string_view event, std::string_view by) {
  store::Transaction transaction(db_);
  for (const Role role : kRoles) {
    store_password(role, initial_hashes_[static_cast<size_t>(role)], true);
    record_audit(to_string(role), event, "", by);
  }
  transaction.commit();
  sessions_.clear();
}

void Accounts::reset_passwords(std::string_view by) {
  std::lock_guard lock(mutex_);
  reset_to_initial("password-reset", by);
  password_free_until_mono_ns_ =
      clock_.mono_ns() + ms_of(settings_.password_free_window) * kNsPerMs;
}

void Accounts::restore_factory_accounts(std::string_view by) {
  std::lock_guard lock(mutex_);
  reset_to_initial("factory-reset", by);
  password_free_until_mono_ns_ = 0;
}

int64_t Accounts::password_free_remaining_ms() const {
  std::lock_guard lock(mutex_);
  return std::max<int64_t>(0, (password_free_until_mono_ns_ - clock_.mono_ns()) / kNsPerMs);
}

// --- state and audit ---------------------------------------------------------------------------

const std::string &Accounts::initial_password(Role role) const {
  return role == Role::installer ? initial_.installer : initial_.owner;
}

AccountState Accounts::read_state(Role role) {
  auto query = db_.prepare(
      "SELECT password_hash, password_is_initial, failed_logins, first_failure_wall_ms, "
      "locked_until_wall_ms FROM accounts WHERE name = ?");
  if (!query.bind(1, to_string(role)).step()) {
    throw std::runtime_error(db_.path().string() + ": account '" + std::string(to_string(role)) +
                             "' is missing");
  }
  AccountState state;
  state.name = to_string(role);
  state.password_hash = query.column_text(0);
  state.password_is_initial = query.column_int(1) != 0;
  state.failed_logins = static_cast<int>(query.column_int(2));
  state.first_failure_wall_ms = query.column_int(3);
  state.locked_until_wall_ms = query.column_int(4);
  return state;
}

AccountState Accounts::state(Role role) {
  std::lock_guard lock(mutex_);
  return read_state(role);
}

void Accounts::record_audit(std::string_view account, std::string_view event, std::string_view peer,
                            std::string_view note) {
  db_.prepare("INSERT INTO accounts_audit (wall_ms, account, event, peer, note) VALUES (?,?,?,?,?)")
      .bind(1, clock_.wall_ms())
      .bind(2, account.substr(0, kAuditFieldBytes))
      .bind(3, event)
      .bind(4, peer.substr(0, kAuditFieldBytes))
      .bind(5, note)
      .run();
  // Bounded: a password-guessing flood must not fill the flash.
  db_.prepare("DELETE FROM accounts_audit WHERE id <= (SELECT MAX(id) FROM accounts_audit) - ?")
      .bind(1, kAuditRowsKept)
      .run();
}

std::vector<AccountsAudit> Accounts::audit(size_t limit) {
  std::lock_guard lock(mutex_);
  auto query = db_.prepare(
      "SELECT wall_ms, account, event, peer, note FROM accounts_audit ORDER BY id DESC LIMIT ?");
  query.bind(1, static_cast<int64_t>(limit));
  std::vector<AccountsAudit> rows;
  while (query.step()) {
    rows.push_back({query.column_int(0), query.column_text(1), query.column_text(2),
                    query.column_text(3), query.column_text(4)});
  }
  return rows;
}

}  // namespace hearth::accounts
