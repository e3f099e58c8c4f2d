#pragma once
// Small RAII and encoding helpers over OpenSSL's C API, private to hearth_signing.
#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace hearth::signing::detail {

struct PkeyFree {
  void operator()(EVP_PKEY *key) const { EVP_PKEY_free(key); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX *ctx) const { EVP_MD_CTX_free(ctx); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

inline std::shared_ptr<EVP_PKEY> share(PkeyPtr key) {
  return {key.release(), PkeyFree{}};
}

// OpenSSL's queued error reasons, oldest first, joined by "; " (and the queue cleared).
std::string openssl_errors();

using Sha512 = std::array<uint8_t, 64>;
// SHA-512 over everything an open file holds (read from offset 0 with pread, in pieces);
// nullopt with `error` set when it cannot be read.
std::optional<Sha512> sha512_of_fd(int fd, std::string &error);
std::array<uint8_t, 32> sha256(std::span<const uint8_t> data);

std::string to_hex(std::span<const uint8_t> bytes);
std::string to_base64(std::span<const uint8_t> bytes);
// nullopt when `text` is not canonical base64 (length a multiple of 4, valid alphabet, padding).
std::optional<std::vector<uint8_t>> from_base64(const std::string &text);

// The key id (keys.hpp): hex of the first 8 bytes of SHA-256 over the raw public key.
std::string key_id_of(EVP_PKEY *key);

}  // namespace hearth::signing::detail
