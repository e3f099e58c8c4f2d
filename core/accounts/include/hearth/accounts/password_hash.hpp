#pragma once
// Password hashes: argon2id (RFC 9106) through libargon2, in the PHC string encoding
// "$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>", so every stored hash carries the
// parameters it was made with and a later change of parameters still verifies old hashes.
//
// The parameters are set explicitly for a small ARM box (see docs/accounts.md, "Password
// hashes"): 19 MiB, 2 passes, 1 lane - the OWASP Password Storage Cheat Sheet's first argon2id
// line. 19 MiB keeps a GPU or ASIC attacker's cost per guess high while a 512 MiB board can
// afford it; one lane because the box has 2-4 cores that the core thread and the links need and
// logins are serialised anyway (Accounts hashes one password at a time, so the memory a burst of
// logins can take stays at 19 MiB).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hearth::accounts {

struct Argon2Params {
  uint32_t memory_kib = 19 * 1024;
  uint32_t time_cost = 2;    // passes over the memory
  uint32_t parallelism = 1;  // lanes (and threads)
  uint32_t salt_bytes = 16;
  uint32_t hash_bytes = 32;
  bool operator==(const Argon2Params &) const = default;
};

// The encoded argon2id hash of `password` with a fresh random salt. Throws std::runtime_error
// with libargon2's reason when hashing fails (e.g. not enough memory).
std::string hash_password(std::string_view password, const Argon2Params &params = {});

// True when `encoded` is an argon2id hash of `password`. libargon2 compares the hashes in
// constant time. A malformed `encoded` is a mismatch, never an exception.
bool verify_password(std::string_view encoded, std::string_view password);

// The m, t and p an encoded argon2id hash was made with (salt_bytes and hash_bytes from the
// decoded lengths); nullopt when it is not an argon2id PHC string.
std::optional<Argon2Params> params_of(std::string_view encoded);

}  // namespace hearth::accounts
