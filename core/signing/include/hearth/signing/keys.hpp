#pragma once
// Ed25519 keys for plugin signatures (OpenSSL 3). Keys live in PEM files: a private key as
// PKCS#8 ("BEGIN PRIVATE KEY"), a public key as SubjectPublicKeyInfo ("BEGIN PUBLIC KEY"), the
// forms `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout` write.
//
// A key's id is the first 8 bytes of SHA-256 over its raw 32-byte public key, in lowercase hex
// (16 characters). A signature file names the key by this id, so the verifier picks the right
// trusted key without trying them all.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace hearth::signing {

// Failures on the signing side (key generation, reading and writing key files, signing); the
// message names the file and OpenSSL's reason.
class SigningError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class PublicKey {
 public:
  // Throws SigningError when the file cannot be read or holds no Ed25519 public key.
  static PublicKey from_pem_file(const std::filesystem::path &file);
  static PublicKey from_pem(const std::string &pem, const std::string &origin = "PEM text");

  std::string to_pem() const;
  const std::string &key_id() const { return key_id_; }
  // True when `signature` is this key's Ed25519 signature over `message`.
  bool verify(std::span<const uint8_t> message, std::span<const uint8_t> signature) const;

 private:
  friend class PrivateKey;  // public_key()
  explicit PublicKey(std::shared_ptr<evp_pkey_st> key);
  std::shared_ptr<evp_pkey_st> key_;
  std::string key_id_;
};

class PrivateKey {
 public:
  static PrivateKey generate();
  // Throws SigningError when the file cannot be read or holds no Ed25519 private key.
  static PrivateKey from_pem_file(const std::filesystem::path &file);

  // Writes the key with mode 0600; refuses to overwrite an existing file (a lost signing key
  // cannot be recovered, so replacing one must be a deliberate `rm`).
  void save_pem_file(const std::filesystem::path &file) const;
  PublicKey public_key() const;
  const std::string &key_id() const { return key_id_; }
  std::vector<uint8_t> sign(std::span<const uint8_t> message) const;

 private:
  explicit PrivateKey(std::shared_ptr<evp_pkey_st> key);
  std::shared_ptr<evp_pkey_st> key_;
  std::string key_id_;
};

// Writes a public key as PEM (mode 0644); refuses to overwrite an existing file.
void save_public_pem_file(const PublicKey &key, const std::filesystem::path &file);

}  // namespace hearth::signing
