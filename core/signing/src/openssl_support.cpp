#include "openssl_support.hpp"

#include <openssl/err.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hearth::signing::detail {

std::string openssl_errors() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    char reason[256];
    ERR_error_string_n(code, reason, sizeof reason);
    if (!text.empty()) text += "; ";
    text += reason;
  }
  return text.empty() ? "no reason given by OpenSSL" : text;
}

std::optional<Sha512> sha512_of_fd(int fd, std::string &error) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha512(), nullptr) != 1) {
    error = "SHA-512: " + openssl_errors();
    return std::nullopt;
  }
  std::vector<uint8_t> buffer(64 * 1024);
  off_t offset = 0;
  while (true) {
    const ssize_t got = ::pread(fd, buffer.data(), buffer.size(), offset);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      error = std::strerror(errno);
      return std::nullopt;
    }
    if (got == 0) break;
    EVP_DigestUpdate(ctx.get(), buffer.data(), size_t(got));
    offset += got;
  }
  Sha512 digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest.data(), &length);
  return digest;
}

std::array<uint8_t, 32> sha256(std::span<const uint8_t> data) {
  std::array<uint8_t, 32> digest{};
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr);
  return digest;
}

std::string to_hex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  text.reserve(bytes.size() * 2);
  for (const uint8_t byte : bytes) {
    text += kDigits[byte >> 4];
    text += kDigits[byte & 0x0f];
  }
  return text;
}

std::string to_base64(std::span<const uint8_t> bytes) {
  std::string text(4 * ((bytes.size() + 2) / 3), '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(text.data()), bytes.data(),
                                      static_cast<int>(bytes.size()));
  text.resize(size_t(written));
  return text;
}

std::optional<std::vector<uint8_t>> from_base64(const std::string &text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  // EVP_DecodeBlock accepts some whitespace and counts padding as zero bytes; be strict instead.
  const size_t padding = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
  for (size_t i = 0; i < text.size() - padding; ++i) {
    const char c = text[i];
    const bool valid = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                       c == '+' || c == '/';
    if (!valid) return std::nullopt;
  }
  std::vector<uint8_t> bytes(text.size() / 4 * 3);
  const int decoded =
      EVP_DecodeBlock(bytes.data(), reinterpret_cast<const unsigned char *>(text.data()),
                      static_cast<int>(text.size()));
  if (decoded < 0) return std::nullopt;
  bytes.resize(size_t(decoded) - padding);
  return bytes;
}

std::string key_id_of(EVP_PKEY *key) {
  std::array<uint8_t, 32> raw{};
  size_t length = raw.size();
  if (EVP_PKEY_get_raw_public_key(key, raw.data(), &length) != 1 || length != raw.size()) {
    return {};
  }
  const auto digest = sha256(raw);
  return to_hex(std::span(digest).first(8));
}

}  // namespace hearth::signing::detail
