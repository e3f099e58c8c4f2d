#pragma once
// Random tokens, digests and constant-time comparison (OpenSSL), private to hearth_accounts.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::accounts::detail {

// `count` bytes from OpenSSL's CSPRNG; throws std::runtime_error when it cannot seed.
std::vector<unsigned char> random_bytes(size_t count);
std::string to_hex(const unsigned char *bytes, size_t count);
// Lowercase hex of SHA-256 over `text`.
std::string sha256_hex(std::string_view text);
// Equal contents, in time that depends only on the lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace hearth::accounts::detail
