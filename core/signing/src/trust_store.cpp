#include "hearth/signing/trust_store.hpp"

#include <algorithm>

namespace hearth::signing {

TrustStore TrustStore::load_directory(const std::filesystem::path &directory) {
  TrustStore store;
  store.origin_ = directory.string();
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error)) {
    store.problems_.push_back(directory.string() + ": not a directory" +
                              (error ? " (" + error.message() + ")" : ""));
    return store;
  }
  std::vector<std::filesystem::path> files;
  for (const auto &entry : std::filesystem::directory_iterator(directory, error)) {
    if (entry.path().extension() == ".pem") files.push_back(entry.path());
  }
  if (error) store.problems_.push_back(directory.string() + ": " + error.message());
  std::sort(files.begin(), files.end());  // the same order on every start, for the log
  for (const auto &file : files) {
    try {
      store.add(PublicKey::from_pem_file(file), file);
    } catch (const SigningError &refused) {
      store.problems_.push_back(refused.what());
    }
  }
  return store;
}

void TrustStore::add(PublicKey key, std::filesystem::path source) {
  if (find(key.key_id()) != nullptr) return;  // the same key twice adds nothing
  keys_.push_back(TrustedKey{std::move(key), std::move(source)});
}

const TrustedKey *TrustStore::find(std::string_view key_id) const {
  const auto found = std::find_if(keys_.begin(), keys_.end(), [&](const TrustedKey &trusted) {
    return trusted.key.key_id() == key_id;
  });
  return found == keys_.end() ? nullptr : &*found;
}

}  // namespace hearth::signing
