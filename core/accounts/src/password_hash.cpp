#include <argon2.h>

#include <cstdio>
#include <hearth/accounts/password_hash.hpp>
#include <stdexcept>
#include <string>

#include "secrets.hpp"

namespace hearth::accounts {

std::string hash_password(std::string_view password, const Argon2Params &params) {
  const auto salt = detail::random_bytes(params.salt_bytes);
  std::string encoded(argon2_encodedlen(params.time_cost, params.memory_kib, params.parallelism,
                                        params.salt_bytes, params.hash_bytes, Argon2_id),
                      '\0');
  const int rc = argon2id_hash_encoded(params.time_cost, params.memory_kib, params.parallelism,
                                       password.data(), password.size(), salt.data(), salt.size(),
                                       params.hash_bytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    throw std::runtime_error(std::string("argon2id hashing failed: ") + argon2_error_message(rc));
  }
  encoded.resize(encoded.find('\0'));  // argon2_encodedlen counts the terminator
  return encoded;
}

bool verify_password(std::string_view encoded, std::string_view password) {
  const std::string text(encoded);  // argon2id_verify wants a terminated string
  return argon2id_verify(text.c_str(), password.data(), password.size()) == ARGON2_OK;
}

namespace {

// Base64 without padding (PHC): the decoded length of `chars` characters.
uint32_t unpadded_base64_bytes(size_t chars) {
  return static_cast<uint32_t>(chars * 3 / 4);
}

}  // namespace

std::optional<Argon2Params> params_of(std::string_view encoded) {
  // $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
  constexpr std::string_view kPrefix = "$argon2id$v=";
  if (!encoded.starts_with(kPrefix)) return std::nullopt;
  unsigned version = 0, memory = 0, time = 0, lanes = 0;
  int consumed = 0;
  const std::string text(encoded);
  if (std::sscanf(text.c_str(), "$argon2id$v=%u$m=%u,t=%u,p=%u$%n", &version, &memory, &time,
                  &lanes, &consumed) != 4 ||
      consumed <= 0) {
    return std::nullopt;
  }
  const std::string_view rest = encoded.substr(static_cast<size_t>(consumed));
  const size_t dollar = rest.find('$');
  if (dollar == std::string_view::npos || dollar == 0 || dollar + 1 == rest.size()) {
    return std::nullopt;
  }
  Argon2Params params;
  params.memory_kib = memory;
  params.time_cost = time;
  params.parallelism = lanes;
  params.salt_bytes = unpadded_base64_bytes(dollar);
  params.hash_bytes = unpadded_base64_bytes(rest.size() - dollar - 1);
  return params;
}

}  // namespace hearth::accounts
