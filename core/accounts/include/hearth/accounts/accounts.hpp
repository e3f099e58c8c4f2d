#pragma once
// The box's two local accounts (emma-functions.md, "Accounts, security, service"): the installer
// (commissioning, all settings) and the owner (monitoring, own preferences). The installer
// deploys with the box's initial passwords; the owner must set his own password on his first
// login. This is the API the web layer uses:
//
//   login(account, password, peer)  -> a session token and the role, or a refusal with a reason
//   check(token)                    -> the role, and whether a password change is due first
//   change_password(token, ...)     -> the new password, or the rule it breaks
//   logout(token)
//
// While check() says password_change_required, the web layer allows only change_password and
// logout on that session.
//
// Hashes are argon2id (password_hash.hpp). Repeated wrong passwords lock an account for a while;
// the failure count and the lock live in SQLite, so a restart does not unlock. Sessions live in
// memory only (a restart logs everyone out); the table holds SHA-256 of each token, so neither a
// memory dump nor a timing difference in the lookup reveals a usable token. Passwords are never
// logged or stored in clear, and compares are constant-time.
//
// Resets (resets.hpp, emma-functions.md "Front panel"): reset_passwords() puts both accounts
// back to the initial passwords and opens a 3-minute window in which a login with an empty
// password is accepted - only from the box's own access point subnet or a link-local address.
//
// Threads: any thread. Accounts serialises its use of `db` with its own lock, so give it a
// connection nobody else uses from another thread at the same time (hearthd opens a second one
// on hearth.db). login() and change_password() take ~20-200 ms of argon2 work (one at a time,
// which also caps the memory a burst of logins takes): call them from a worker, not from the
// core thread.
#include <array>
#include <chrono>
#include <cstdint>
#include <hearth/accounts/initial_passwords.hpp>
#include <hearth/accounts/password_hash.hpp>
#include <hearth/accounts/peer_address.hpp>
#include <hearth/core/clock.hpp>
#include <hearth/store/database.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::accounts {

enum class Role { installer, owner };
std::string_view to_string(Role role);  // "installer", "owner" (also the account names)
std::optional<Role> role_from_name(std::string_view name);

struct AccountsSettings {
  Argon2Params hash;
  // Lockout: `lockout_failures` wrong passwords within `lockout_window` lock the account for
  // `lockout_duration`.
  int lockout_failures = 5;
  std::chrono::seconds lockout_window{10 * 60};
  std::chrono::seconds lockout_duration{15 * 60};
  // A session ends after this long without a check(), and in any case this long after login.
  std::chrono::seconds session_idle{30 * 60};
  std::chrono::seconds session_max{12 * 60 * 60};
  // emma-functions.md, "Front panel": password-free login for 3 minutes after a password reset.
  std::chrono::seconds password_free_window{3 * 60};
  // The box's own access point (the only non-link-local source of a password-free login).
  std::vector<IpNetwork> access_point_subnets = {*IpNetwork::parse("192.168.8.0/24")};
  size_t min_password_bytes = 8;
  size_t max_password_bytes = 128;
};

enum class LoginRefusal {
  none,
  unknown_account,
  wrong_password,
  locked_out,
  password_free_not_here,  // empty password during the window, from a non-local address
  password_required,       // empty password outside the window
};
std::string_view to_string(LoginRefusal refusal);

struct SessionInfo {
  std::string account;
  Role role = Role::owner;
  // The owner's first login with the initial password, or any password-free login.
  bool password_change_required = false;
};

struct LoginResult {
  std::string token;  // empty when refused
  SessionInfo session;
  LoginRefusal refusal = LoginRefusal::none;
  std::string message;        // why it was refused, fit to show the user; empty on success
  int64_t locked_for_ms = 0;  // with locked_out: how long the lock still holds
  explicit operator bool() const { return refusal == LoginRefusal::none; }
};

struct ChangeResult {
  bool ok = false;
  std::string message;  // the rule the new password breaks, or why the change was refused
  explicit operator bool() const { return ok; }
};

// One account's stored state (never the hash's secret part beyond what the table holds).
struct AccountState {
  std::string name;
  std::string password_hash;  // encoded argon2id
  bool password_is_initial = true;
  int failed_logins = 0;
  int64_t first_failure_wall_ms = 0;
  int64_t locked_until_wall_ms = 0;
};

struct AccountsAudit {
  int64_t wall_ms = 0;
  std::string account;
  std::string event;  // login, refused, password-changed, password-reset, factory-reset, locked
  std::string peer;
  std::string note;
};

class Accounts {
 public:
  // Brings the accounts tables of `db` up to date and creates the two accounts with their
  // initial passwords when they are missing.
  Accounts(store::Database &db, const Clock &clock, InitialPasswords initial,
           AccountsSettings settings = {});
  Accounts(const Accounts &) = delete;
  Accounts &operator=(const Accounts &) = delete;

  // `peer` is the client's address as the socket reports it ("192.168.8.20", "fe80::1%wlan0").
  LoginResult login(std::string_view account, std::string_view password, std::string_view peer);
  std::optional<SessionInfo> check(std::string_view token);
  // `current_password` may be empty on a password-free session. Ends the account's other
  // sessions; this one stays and no longer requires a change.
  ChangeResult change_password(std::string_view token, std::string_view current_password,
                               std::string_view new_password);
  bool logout(std::string_view token);

  // Both accounts back to the initial passwords, failure counts and locks cleared, every
  // session ended; opens the password-free window. No argon2 work (the initial passwords were
  // hashed at construction): fine on the core thread. `by` names the trigger for the audit
  // ("rst-button", "installer").
  void reset_passwords(std::string_view by);
  // The accounts' part of a factory reset: the same without the password-free window.
  void restore_factory_accounts(std::string_view by);
  // Milliseconds the password-free window is still open (0 when closed).
  int64_t password_free_remaining_ms() const;

  // Whether the password-free login may come from `peer` (AP subnet or link-local).
  bool is_local_peer(std::string_view peer) const;

  AccountState state(Role role);
  std::vector<AccountsAudit> audit(size_t limit = 100);
  size_t session_count();
  const AccountsSettings &settings() const { return settings_; }

 private:
  struct Session {
    SessionInfo info;
    int64_t created_mono_ns = 0;
    int64_t last_used_mono_ns = 0;
    bool password_free = false;
  };
  using SessionMap = std::map<std::string, Session, std::less<>>;  // key: SHA-256 of the token

  LoginResult refuse(std::string_view account, std::string_view peer, LoginRefusal refusal,
                     std::string message);
  LoginResult open_session(Role role, std::string_view peer, bool password_free,
                           bool change_required);
  LoginResult password_free_login(Role role, std::string_view peer);
  int64_t lock_remaining_ms(const AccountState &state, int64_t now_wall_ms) const;
  void record_failure(Role role, std::string_view peer);
  void clear_failures(Role role);
  std::optional<std::string> check_new_password(Role role, std::string_view new_password) const;
  void store_password(Role role, const std::string &hash, bool is_initial);
  void reset_to_initial(std::string_view event, std::string_view by);
  void end_sessions_of(std::string_view account, const std::string *except_key);
  SessionMap::iterator find_live_session(std::string_view token);
  void record_audit(std::string_view account, std::string_view event, std::string_view peer,
                    std::string_view note);
  const std::string &initial_password(Role role) const;
  AccountState read_state(Role role);

  store::Database &db_;
  const Clock &clock_;
  InitialPasswords initial_;
  AccountsSettings settings_;
  std::array<std::string, 2> initial_hashes_;  // by Role
  std::mutex hash_gate_;      // one argon2 computation at a time (memory); taken before mutex_
  mutable std::mutex mutex_;  // db_, sessions_, password_free_until_mono_ns_
  SessionMap sessions_;
  int64_t password_free_until_mono_ns_ = 0;
};

}  // namespace hearth::accounts
