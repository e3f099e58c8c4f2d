#pragma once
// The public keys whose signatures hearthd accepts on plugins: every *.pem file directly inside
// a directory (packaged as /etc/hearth/trusted-keys/). A file that is not an Ed25519 public key
// is skipped and reported in problems(), so one bad file never hides the other keys.
#include <filesystem>
#include <hearth/signing/keys.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::signing {

struct TrustedKey {
  PublicKey key;
  std::filesystem::path source;  // the PEM file it came from (empty when added in code)
};

class TrustStore {
 public:
  TrustStore() = default;
  // A missing directory gives an empty store (and a problem entry), never an exception.
  static TrustStore load_directory(const std::filesystem::path &directory);

  void add(PublicKey key, std::filesystem::path source = {});
  const TrustedKey *find(std::string_view key_id) const;
  size_t size() const { return keys_.size(); }
  const std::vector<TrustedKey> &keys() const { return keys_; }
  // "file: reason" for every file of the directory that was skipped.
  const std::vector<std::string> &problems() const { return problems_; }
  // Where the keys came from, for messages ("/etc/hearth/trusted-keys" or "3 keys added in code").
  const std::string &origin() const { return origin_; }

 private:
  std::vector<TrustedKey> keys_;
  std::vector<std::string> problems_;
  std::string origin_ = "keys added in code";
};

}  // namespace hearth::signing
