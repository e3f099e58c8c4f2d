// verify_plugin() on real files: accepted when signed by a trusted key and unchanged; refused
// with the right status and a message naming the file and key otherwise.
#include <dlfcn.h>
#include <gmock/gmock.h>
#include <link.h>

#include "signing_fixture.hpp"

namespace hearth::signing {
namespace {

using ::testing::HasSubstr;

class PluginSignatureTest : public SigningTest {
 protected:
  PluginSignatureTest() { trusted_.add(vendor_.public_key()); }

  PrivateKey vendor_ = PrivateKey::generate();
  TrustStore trusted_;
};

TEST_F(PluginSignatureTest, SignedPluginIsAccepted) {
  const auto sig = sign_plugin(plugin_, vendor_);
  EXPECT_EQ(sig, signature_path_for(plugin_));
  EXPECT_EQ(sig.filename(), "vendor_driver.so.sig");

  const auto check = verify_plugin(plugin_, trusted_);
  EXPECT_TRUE(check.ok()) << check.message;
  EXPECT_EQ(check.status, SignatureStatus::ok);
  EXPECT_EQ(check.key_id, vendor_.key_id());
  EXPECT_THAT(check.message, HasSubstr(vendor_.key_id()));
}

TEST_F(PluginSignatureTest, SignatureFileHasTheDocumentedThreeLines) {
  sign_plugin(plugin_, vendor_);
  const std::string text = read(signature_path_for(plugin_));
  EXPECT_TRUE(
      text.starts_with("hearth-plugin-signature 1\nkey-id " + vendor_.key_id() + "\ned25519 "))
      << text;
  EXPECT_EQ(text.size(), std::string("hearth-plugin-signature 1\n").size() +
                             std::string("key-id \n").size() + 16 +
                             std::string("ed25519 \n").size() + 88);  // base64 of 64 bytes
}

TEST_F(PluginSignatureTest, UnsignedPluginIsRefused) {
  const auto check = verify_plugin(plugin_, trusted_);
  EXPECT_EQ(check.status, SignatureStatus::unsigned_file);
  EXPECT_FALSE(check.ok());
  EXPECT_THAT(check.message, HasSubstr("vendor_driver.so is not signed"));
  EXPECT_THAT(check.message, HasSubstr("vendor_driver.so.sig"));
}

TEST_F(PluginSignatureTest, PluginChangedByOneByteIsRefused) {
  sign_plugin(plugin_, vendor_);
  std::string bytes = read(plugin_);
  ASSERT_GT(bytes.size(), 1000u);
  bytes[bytes.size() / 2] ^= 0x01;
  write(plugin_, bytes);

  const auto check = verify_plugin(plugin_, trusted_);
  EXPECT_EQ(check.status, SignatureStatus::bad_signature);
  EXPECT_EQ(check.key_id, vendor_.key_id());
  EXPECT_THAT(check.message, HasSubstr("does not match the file"));
}

TEST_F(PluginSignatureTest, PluginWithAByteAppendedIsRefused) {
  sign_plugin(plugin_, vendor_);
  std::ofstream(plugin_, std::ios::binary | std::ios::app) << '\0';
  EXPECT_EQ(verify_plugin(plugin_, trusted_).status, SignatureStatus::bad_signature);
}

TEST_F(PluginSignatureTest, SignatureOfAnotherPluginIsRefused) {
  const auto other = file("other_driver.so");
  write(other, "another plugin's bytes");
  sign_plugin(other, vendor_);
  std::filesystem::copy_file(signature_path_for(other), signature_path_for(plugin_));

  EXPECT_EQ(verify_plugin(plugin_, trusted_).status, SignatureStatus::bad_signature);
  EXPECT_TRUE(verify_plugin(other, trusted_).ok());
}

TEST_F(PluginSignatureTest, SignatureByUntrustedKeyIsRefused) {
  const auto stranger = PrivateKey::generate();
  sign_plugin(plugin_, stranger);

  const auto check = verify_plugin(plugin_, trusted_);
  EXPECT_EQ(check.status, SignatureStatus::unknown_key);
  EXPECT_EQ(check.key_id, stranger.key_id());
  EXPECT_THAT(check.message, HasSubstr("signed by key " + stranger.key_id()));
  EXPECT_THAT(check.message, HasSubstr("not among the trusted keys"));
}

TEST_F(PluginSignatureTest, ForgedKeyIdWithAnotherKeysSignatureIsRefused) {
  // A signature by a stranger's key, relabelled with the trusted key's id.
  const auto stranger = PrivateKey::generate();
  sign_plugin(plugin_, stranger);
  std::string text = read(signature_path_for(plugin_));
  text.replace(text.find(stranger.key_id()), 16, vendor_.key_id());
  write(signature_path_for(plugin_), text);

  EXPECT_EQ(verify_plugin(plugin_, trusted_).status, SignatureStatus::bad_signature);
}

TEST_F(PluginSignatureTest, EmptyTrustStoreRefusesEverySignedPlugin) {
  sign_plugin(plugin_, vendor_);
  EXPECT_EQ(verify_plugin(plugin_, TrustStore{}).status, SignatureStatus::unknown_key);
}

TEST_F(PluginSignatureTest, MalformedSignatureFilesAreRefusedNamingTheLine) {
  sign_plugin(plugin_, vendor_);
  const std::string good = read(signature_path_for(plugin_));
  const std::string good_lines[3] = {good.substr(0, good.find('\n')),
                                     good.substr(good.find('\n') + 1, 23),
                                     good.substr(good.rfind("ed25519"))};
  struct Case {
    std::string text;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"", "expected 3 lines, found 0"},
      {"hearth-plugin-signature 2\n" + good.substr(good.find('\n') + 1), "line 1"},
      {good_lines[0] + "\nkey-id XYZ\n" + good_lines[2], "line 2"},
      {good_lines[0] + "\n" + good_lines[1] + "\ned25519 AAAA\n", "line 3"},
      {good_lines[0] + "\n" + good_lines[1] + "\ned25519 !!!!\n", "line 3"},
      {good + "extra line\n", "expected 3 lines, found 4"},
      {std::string(5000, 'x'), "longer than 4096 bytes"},
  };
  for (const auto &test : cases) {
    write(signature_path_for(plugin_), test.text);
    const auto check = verify_plugin(plugin_, trusted_);
    EXPECT_EQ(check.status, SignatureStatus::bad_signature) << test.text;
    EXPECT_THAT(check.message, HasSubstr("malformed"));
    EXPECT_THAT(check.message, HasSubstr(test.expected)) << test.text;
  }
}

TEST_F(PluginSignatureTest, CrlfLineEndsAreAccepted) {
  sign_plugin(plugin_, vendor_);
  std::string text = read(signature_path_for(plugin_));
  for (size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + 2)) {
    text.insert(at, "\r");
  }
  write(signature_path_for(plugin_), text);
  EXPECT_TRUE(verify_plugin(plugin_, trusted_).ok());
}

TEST_F(PluginSignatureTest, MissingPluginIsUnreadable) {
  const auto check = verify_plugin(file("absent.so"), trusted_);
  EXPECT_EQ(check.status, SignatureStatus::unreadable);
  EXPECT_THAT(check.message, HasSubstr("absent.so"));
}

TEST_F(PluginSignatureTest, DirectoryInPlaceOfThePluginIsUnreadable) {
  const auto dir_plugin = file("dir.so");
  std::filesystem::create_directory(dir_plugin);
  sign_plugin(plugin_, vendor_);
  std::filesystem::copy_file(signature_path_for(plugin_), signature_path_for(dir_plugin));
  const auto check = verify_plugin(dir_plugin, trusted_);
  EXPECT_EQ(check.status, SignatureStatus::unreadable);
  EXPECT_THAT(check.message, HasSubstr("not a regular file"));
}

TEST_F(PluginSignatureTest, ResigningReplacesTheSignature) {
  const auto stranger = PrivateKey::generate();
  sign_plugin(plugin_, stranger);
  ASSERT_EQ(verify_plugin(plugin_, trusted_).status, SignatureStatus::unknown_key);
  sign_plugin(plugin_, vendor_);
  EXPECT_TRUE(verify_plugin(plugin_, trusted_).ok());
  EXPECT_FALSE(std::filesystem::exists(file("vendor_driver.so.sig.partial")));
}

TEST_F(PluginSignatureTest, SigningAMissingFileThrowsNamingIt) {
  try {
    sign_plugin(file("absent.so"), vendor_);
    FAIL() << "no exception";
  } catch (const SigningError &error) {
    EXPECT_THAT(error.what(), HasSubstr("absent.so"));
  }
}

// A real shared library to stand in for a plugin: zlib, which every Debian system has.
std::filesystem::path system_shared_library() {
  void *handle = dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) return {};
  link_map *map = nullptr;
  dlinfo(handle, RTLD_DI_LINKMAP, &map);
  std::filesystem::path path = map->l_name;
  dlclose(handle);
  return path;
}

TEST_F(PluginSignatureTest, VerifiedPluginLoadsTheCheckedBytesEvenIfTheFileIsReplaced) {
  const auto library = system_shared_library();
  ASSERT_FALSE(library.empty()) << dlerror();
  std::filesystem::copy_file(library, plugin_, std::filesystem::copy_options::overwrite_existing);
  const std::string checked_bytes = read(plugin_);
  sign_plugin(plugin_, vendor_);

  const auto verified = open_verified_plugin(plugin_, trusted_);
  ASSERT_TRUE(verified.ok()) << verified.check().message;
  // Someone swaps the file between the check and the load.
  write(file("swapped.so"), "not the checked plugin");
  std::filesystem::rename(file("swapped.so"), plugin_);
  EXPECT_EQ(verify_plugin(plugin_, trusted_).status, SignatureStatus::bad_signature);

  EXPECT_EQ(read(verified.load_path()), checked_bytes);
  void *handle = dlopen(verified.load_path().c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << dlerror();
  EXPECT_NE(dlsym(handle, "zlibVersion"), nullptr);
  dlclose(handle);
}

TEST_F(PluginSignatureTest, VerifiedPluginOfAMissingFileHasNoLoadPath) {
  const auto verified = open_verified_plugin(file("absent.so"), trusted_);
  EXPECT_EQ(verified.check().status, SignatureStatus::unreadable);
  EXPECT_TRUE(verified.load_path().empty());
}

TEST_F(PluginSignatureTest, VerifiedPluginKeepsItsDescriptorWhenMoved) {
  sign_plugin(plugin_, vendor_);
  auto first = open_verified_plugin(plugin_, trusted_);
  const auto load_path = first.load_path();
  VerifiedPlugin second = std::move(first);
  EXPECT_EQ(second.load_path(), load_path);
  EXPECT_TRUE(second.ok());
  EXPECT_EQ(read(second.load_path()), read(plugin_));
}

TEST(SignatureStatusText, EveryStatusHasAName) {
  EXPECT_STREQ(to_string(SignatureStatus::ok), "ok");
  EXPECT_STREQ(to_string(SignatureStatus::unsigned_file), "unsigned");
  EXPECT_STREQ(to_string(SignatureStatus::bad_signature), "bad signature");
  EXPECT_STREQ(to_string(SignatureStatus::unknown_key), "unknown key");
  EXPECT_STREQ(to_string(SignatureStatus::unreadable), "unreadable");
}

}  // namespace
}  // namespace hearth::signing
