#include "hearth/signing/keys.hpp"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "openssl_support.hpp"

namespace hearth::signing {

namespace {

using detail::openssl_errors;
using detail::PkeyPtr;

struct BioFree {
  void operator()(BIO *bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

std::string read_text_file(const std::filesystem::path &file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw SigningError("cannot read " + file.string() + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Creates `file` with `mode`; never replaces an existing file.
void write_new_file(const std::filesystem::path &file, const std::string &text, mode_t mode) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    throw SigningError("cannot create " + file.string() + ": " + std::strerror(errno) +
                       (errno == EEXIST ? " (remove it first to replace the key)" : ""));
  }
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t written = ::write(fd, text.data() + done, text.size() - done);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      const std::string reason = std::strerror(errno);
      ::close(fd);
      throw SigningError("cannot write " + file.string() + ": " + reason);
    }
    done += size_t(written);
  }
  if (::close(fd) != 0) {
    throw SigningError("cannot write " + file.string() + ": " + std::strerror(errno));
  }
}

std::string bio_text(BIO *bio) {
  char *data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  return std::string(data, size_t(length));
}

void require_ed25519(EVP_PKEY *key, const std::string &origin, const char *what) {
  if (!EVP_PKEY_is_a(key, "ED25519")) {
    throw SigningError(origin + ": holds a " + EVP_PKEY_get0_type_name(key) + " " + what +
                       ", not an Ed25519 one");
  }
}

}  // namespace

PublicKey::PublicKey(std::shared_ptr<evp_pkey_st> key)
    : key_(std::move(key)), key_id_(detail::key_id_of(key_.get())) {}

PublicKey PublicKey::from_pem(const std::string &pem, const std::string &origin) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key) throw SigningError(origin + ": no PEM public key (" + openssl_errors() + ")");
  require_ed25519(key.get(), origin, "public key");
  return PublicKey(detail::share(std::move(key)));
}

PublicKey PublicKey::from_pem_file(const std::filesystem::path &file) {
  return from_pem(read_text_file(file), file.string());
}

std::string PublicKey::to_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) {
    throw SigningError("cannot encode public key " + key_id_ + ": " + openssl_errors());
  }
  return bio_text(bio.get());
}

bool PublicKey::verify(std::span<const uint8_t> message, std::span<const uint8_t> signature) const {
  detail::MdCtxPtr ctx(EVP_MD_CTX_new());
  // Ed25519 is "pure": no digest is named, the message goes in whole (RFC 8032).
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1) {
    openssl_errors();
    return false;
  }
  const bool valid = EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                                      message.size()) == 1;
  openssl_errors();  // a mismatch queues an error; leave the queue clean for the next caller
  return valid;
}

PrivateKey::PrivateKey(std::shared_ptr<evp_pkey_st> key)
    : key_(std::move(key)), key_id_(detail::key_id_of(key_.get())) {}

PrivateKey PrivateKey::generate() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) throw SigningError("cannot generate an Ed25519 key: " + openssl_errors());
  return PrivateKey(detail::share(std::move(key)));
}

PrivateKey PrivateKey::from_pem_file(const std::filesystem::path &file) {
  const std::string pem = read_text_file(file);
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    throw SigningError(file.string() + ": no PEM private key (" + openssl_errors() + ")");
  }
  require_ed25519(key.get(), file.string(), "private key");
  return PrivateKey(detail::share(std::move(key)));
}

void PrivateKey::save_pem_file(const std::filesystem::path &file) const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    throw SigningError("cannot encode private key " + key_id_ + ": " + openssl_errors());
  }
  write_new_file(file, bio_text(bio.get()), 0600);
}

PublicKey PrivateKey::public_key() const {
  std::array<uint8_t, 32> raw{};
  size_t length = raw.size();
  if (EVP_PKEY_get_raw_public_key(key_.get(), raw.data(), &length) != 1) {
    throw SigningError("cannot derive the public key of " + key_id_ + ": " + openssl_errors());
  }
  PkeyPtr key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw.data(), length));
  if (!key) throw SigningError("cannot build public key " + key_id_ + ": " + openssl_errors());
  return PublicKey(detail::share(std::move(key)));
}

std::vector<uint8_t> PrivateKey::sign(std::span<const uint8_t> message) const {
  detail::MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t length = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length, message.data(), message.size()) != 1) {
    throw SigningError("cannot sign with key " + key_id_ + ": " + openssl_errors());
  }
  std::vector<uint8_t> signature(length);
  if (EVP_DigestSign(ctx.get(), signature.data(), &length, message.data(), message.size()) != 1) {
    throw SigningError("cannot sign with key " + key_id_ + ": " + openssl_errors());
  }
  signature.resize(length);
  return signature;
}

void save_public_pem_file(const PublicKey &key, const std::filesystem::path &file) {
  write_new_file(file, key.to_pem(), 0644);
}

}  // namespace hearth::signing
