// hearth-sign: makes Ed25519 key pairs, signs plugin files and checks them the way hearthd does.
//
//   hearth-sign keygen --private vendor.key.pem --public vendor.pub.pem
//   hearth-sign sign --key vendor.key.pem build/plugins-out/my_driver.so   (writes
//   my_driver.so.sig) hearth-sign verify --trusted /etc/hearth/trusted-keys my_driver.so
//
// Exit status: 0 on success, 1 when a check fails or a file cannot be used, 2 on bad usage.
#include <CLI/CLI.hpp>
#include <hearth/signing/plugin_signature.hpp>
#include <iostream>

namespace {

namespace signing = hearth::signing;
using std::filesystem::path;

int keygen(const path &private_file, const path &public_file) {
  const auto key = signing::PrivateKey::generate();
  key.save_pem_file(private_file);
  signing::save_public_pem_file(key.public_key(), public_file);
  std::cout << "key " << key.key_id() << ": private " << private_file.string()
            << " (keep it secret), public " << public_file.string() << "\n";
  return 0;
}

int sign(const path &key_file, const std::vector<path> &plugins) {
  const auto key = signing::PrivateKey::from_pem_file(key_file);
  for (const auto &plugin : plugins) {
    const auto sig = signing::sign_plugin(plugin, key);
    std::cout << sig.string() << ": signed by key " << key.key_id() << "\n";
  }
  return 0;
}

int verify(const path &trusted_dir, const std::vector<path> &plugins) {
  const auto trusted = signing::TrustStore::load_directory(trusted_dir);
  for (const auto &problem : trusted.problems()) std::cerr << "skipped: " << problem << "\n";
  int failed = 0;
  for (const auto &plugin : plugins) {
    const auto check = signing::verify_plugin(plugin, trusted);
    if (check.ok()) {
      std::cout << "OK: " << check.message << "\n";
    } else {
      std::cerr << "REFUSED (" << signing::to_string(check.status) << "): " << check.message
                << "\n";
      ++failed;
    }
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char **argv) {
  CLI::App app{"hearth-sign: Ed25519 signatures of Hearth plugin files"};
  app.require_subcommand(1);

  path private_file, public_file, key_file, trusted_dir;
  std::vector<path> plugins;

  auto *keygen_cmd = app.add_subcommand("keygen", "make a key pair (refuses to overwrite files)");
  keygen_cmd->add_option("--private", private_file, "private key file to create")->required();
  keygen_cmd->add_option("--public", public_file, "public key file to create")->required();

  auto *sign_cmd = app.add_subcommand("sign", "write <plugin>.sig next to each plugin");
  sign_cmd->add_option("--key", key_file, "private key (PEM)")->required();
  sign_cmd->add_option("plugins", plugins, "plugin files")->required();

  auto *verify_cmd = app.add_subcommand("verify", "check plugins as hearthd does");
  verify_cmd->add_option("--trusted", trusted_dir, "directory of trusted public keys (*.pem)")
      ->required();
  verify_cmd->add_option("plugins", plugins, "plugin files")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &error) {
    return app.exit(error) == 0 ? 0 : 2;
  }
  try {
    if (*keygen_cmd) return keygen(private_file, public_file);
    if (*sign_cmd) return sign(key_file, plugins);
    return verify(trusted_dir, plugins);
  } catch (const signing::SigningError &error) {
    std::cerr << "hearth-sign: " << error.what() << "\n";
    return 1;
  }
}
