// The plugin loader's signature policy (plugin_loader.hpp): third-party directories need a
// trusted signature by default, built-in ones do not; mode all checks every plugin; mode off
// checks none. Real plugins (c-counter, example-modbus-meter) are copied into temp directories,
// signed with real Ed25519 keys and loaded with dlopen.
#include <gmock/gmock.h>

#include <fstream>
#include <hearth/host/host_api.hpp>
#include <hearth/host/plugin_loader.hpp>
#include <hearth/signing/plugin_signature.hpp>
#include <hearth/testing/child_process.hpp>

namespace hearth::host {
namespace {

namespace fs = std::filesystem;
using signing::PrivateKey;
using ::testing::AllOf;
using ::testing::HasSubstr;

class PluginSignaturePolicyTest : public ::testing::Test {
 protected:
  // Copies a built plugin into `directory`; returns the copy's path.
  static fs::path copy_plugin(const char *built, const fs::path &directory) {
    fs::create_directories(directory);
    const fs::path copy = directory / fs::path(built).filename();
    fs::copy_file(built, copy, fs::copy_options::overwrite_existing);
    return copy;
  }

  // A loader whose policy has `mode`, the vendor's key trusted and `builtin_` as the only
  // built-in directory (the test binary's own build tree would count as built-in otherwise).
  std::unique_ptr<PluginLoader> loader(SignatureMode mode) {
    auto made = std::make_unique<PluginLoader>(host_api_table());
    SignaturePolicy policy;
    policy.mode = mode;
    policy.builtin_directories = {builtin_};
    policy.trusted_keys.add(vendor_.public_key());
    made->set_signature_policy(std::move(policy));
    return made;
  }

  static std::string refusal_of(const PluginLoader &loader, const fs::path &plugin) {
    for (const auto &refusal : loader.refusals()) {
      if (refusal.path == plugin) return refusal.reason;
    }
    return "(not refused)";
  }

  testing::TempDir temp_;
  const fs::path builtin_ = fs::path(temp_.path()) / "lib" / "hearth" / "plugins";
  const fs::path third_party_ = fs::path(temp_.path()) / "vendor-plugins";
  PrivateKey vendor_ = PrivateKey::generate();
};

TEST_F(PluginSignaturePolicyTest, SignedThirdPartyPluginLoads) {
  const auto plugin = copy_plugin(C_COUNTER_PLUGIN, third_party_);
  signing::sign_plugin(plugin, vendor_);

  auto loaded = loader(SignatureMode::third_party);
  loaded->load_directories({third_party_});
  ASSERT_EQ(loaded->plugins().size(), 1u) << refusal_of(*loaded, plugin);
  EXPECT_EQ(loaded->plugins().front().id, "c-counter");
  EXPECT_EQ(loaded->plugins().front().path, plugin);  // the file, not /proc/self/fd/N
  EXPECT_NE(loaded->find_driver("c-counter"), nullptr);
}

TEST_F(PluginSignaturePolicyTest, UnsignedThirdPartyPluginIsRefusedAndTheSignedOneStillLoads) {
  const auto unsigned_plugin = copy_plugin(C_COUNTER_PLUGIN, third_party_);
  const auto signed_plugin = copy_plugin(EXAMPLE_METER_PLUGIN, third_party_);
  signing::sign_plugin(signed_plugin, vendor_);

  auto loaded = loader(SignatureMode::third_party);
  loaded->load_directories({third_party_});
  ASSERT_EQ(loaded->plugins().size(), 1u);
  EXPECT_EQ(loaded->plugins().front().path, signed_plugin);
  ASSERT_EQ(loaded->refusals().size(), 1u);
  EXPECT_THAT(refusal_of(*loaded, unsigned_plugin),
              AllOf(HasSubstr("unsigned"), HasSubstr("is a third-party plugin directory"),
                    HasSubstr(unsigned_plugin.string() + " is not signed (no c-counter.so.sig")));
  EXPECT_EQ(loaded->find_driver("c-counter"), nullptr);
}

TEST_F(PluginSignaturePolicyTest, TamperedPluginIsRefusedBeforeItsCodeRuns) {
  const auto plugin = copy_plugin(C_COUNTER_PLUGIN, third_party_);
  signing::sign_plugin(plugin, vendor_);
  std::ofstream(plugin, std::ios::app) << "patched";  // changed after signing

  auto loaded = loader(SignatureMode::third_party);
  EXPECT_FALSE(loaded->load_file(plugin));
  EXPECT_TRUE(loaded->plugins().empty());
  EXPECT_THAT(refusal_of(*loaded, plugin),
              AllOf(HasSubstr("bad signature"), HasSubstr(plugin.string()),
                    HasSubstr("does not match the file")));
}

TEST_F(PluginSignaturePolicyTest, PluginSignedByAnUntrustedKeyIsRefused) {
  const auto plugin = copy_plugin(C_COUNTER_PLUGIN, third_party_);
  const auto stranger = PrivateKey::generate();
  signing::sign_plugin(plugin, stranger);

  auto loaded = loader(SignatureMode::third_party);
  EXPECT_FALSE(loaded->load_file(plugin));
  EXPECT_THAT(refusal_of(*loaded, plugin),
              AllOf(HasSubstr("unknown key"), HasSubstr(stranger.key_id())));
}

TEST_F(PluginSignaturePolicyTest, BuiltInDirectoryNeedsNoSignatureButModeAllChecksIt) {
  const auto plugin = copy_plugin(C_COUNTER_PLUGIN, builtin_);

  auto by_default = loader(SignatureMode::third_party);
  EXPECT_FALSE(by_default->signature_required(builtin_));
  EXPECT_TRUE(by_default->signature_required(third_party_));
  EXPECT_TRUE(by_default->load_file(plugin)) << refusal_of(*by_default, plugin);

  auto require_all = loader(SignatureMode::all);
  EXPECT_TRUE(require_all->signature_required(builtin_));
  EXPECT_FALSE(require_all->load_file(plugin));
  EXPECT_THAT(refusal_of(*require_all, plugin),
              AllOf(HasSubstr("unsigned"), HasSubstr("signatures are required for all plugins")));

  signing::sign_plugin(plugin, vendor_);
  auto signed_all = loader(SignatureMode::all);
  EXPECT_TRUE(signed_all->load_file(plugin)) << refusal_of(*signed_all, plugin);
}

TEST_F(PluginSignaturePolicyTest, ADirectoryThatOnlyLooksLikeABuiltInOneIsThirdParty) {
  auto loaded = loader(SignatureMode::third_party);
  EXPECT_FALSE(loaded->signature_required(builtin_ / "subdir"));
  EXPECT_TRUE(loaded->signature_required(builtin_.string() + "-extra"));
  EXPECT_TRUE(loaded->signature_required(builtin_ / ".." / "other"));
  // A symlink to a third-party directory is judged by where it points.
  fs::create_directories(builtin_);
  fs::create_directories(third_party_);
  fs::create_directory_symlink(third_party_, builtin_ / "link");
  EXPECT_TRUE(loaded->signature_required(builtin_ / "link"));
}

TEST_F(PluginSignaturePolicyTest, ModeOffLoadsUnsignedAndTamperedPlugins) {
  const auto unsigned_plugin = copy_plugin(C_COUNTER_PLUGIN, third_party_);
  const auto tampered = copy_plugin(EXAMPLE_METER_PLUGIN, third_party_);
  signing::sign_plugin(tampered, vendor_);
  std::ofstream(tampered, std::ios::app) << "patched";

  auto loaded = loader(SignatureMode::off);
  EXPECT_FALSE(loaded->signature_required(third_party_));
  loaded->load_directories({third_party_});
  EXPECT_EQ(loaded->plugins().size(), 2u);
  EXPECT_TRUE(loaded->refusals().empty());
}

TEST_F(PluginSignaturePolicyTest, SeveralSignedPluginsLoadAsTheirOwnLibraries) {
  // Each is loaded as /proc/self/fd/N; two plugins must never share a handle.
  const auto counter = copy_plugin(C_COUNTER_PLUGIN, third_party_);
  const auto meter = copy_plugin(EXAMPLE_METER_PLUGIN, third_party_);
  signing::sign_plugin(counter, vendor_);
  signing::sign_plugin(meter, vendor_);
  auto loaded = loader(SignatureMode::third_party);
  EXPECT_TRUE(loaded->load_file(counter));
  EXPECT_TRUE(loaded->load_file(meter)) << refusal_of(*loaded, meter);
  ASSERT_EQ(loaded->plugins().size(), 2u);
  EXPECT_NE(loaded->plugins()[0].desc, loaded->plugins()[1].desc);
  EXPECT_NE(loaded->find_driver("c-counter"), nullptr);
  EXPECT_NE(loaded->find_driver("example-modbus-meter"), nullptr);
}

TEST(SignatureModeText, RoundTripsAndRefusesUnknownWords) {
  for (auto mode : {SignatureMode::off, SignatureMode::third_party, SignatureMode::all}) {
    EXPECT_EQ(parse_signature_mode(to_string(mode)), mode);
  }
  EXPECT_EQ(parse_signature_mode("third_party"), std::nullopt);
  EXPECT_EQ(parse_signature_mode(""), std::nullopt);
}

TEST(BuiltinPluginDirectories, AreNextToTheProgramAndTheBuildTreeWhenRunFromIt) {
  const auto directories = builtin_plugin_directories();
  const fs::path build = fs::canonical(HEARTH_BUILD_DIR);
  EXPECT_THAT(directories, ::testing::Contains(build / "lib" / "hearth" / "plugins"));
  EXPECT_THAT(directories, ::testing::Contains(build / "plugins-out"));
  // This test runs from <build>/bin, next to <build>/CMakeCache.txt.
  EXPECT_THAT(directories, ::testing::Contains(build));
  PluginLoader default_policy(host_api_table());
  EXPECT_EQ(default_policy.signature_policy().mode, SignatureMode::third_party);
  EXPECT_FALSE(default_policy.signature_required(build / "tests" / "abi" / "plugins"));
  EXPECT_TRUE(default_policy.signature_required("/tmp"));
}

}  // namespace
}  // namespace hearth::host
