// TrustStore::load_directory(): every Ed25519 *.pem is trusted; anything else is skipped and
// reported, and never hides the good keys.
#include <gmock/gmock.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "signing_fixture.hpp"

namespace hearth::signing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A P-256 public key in PEM: a valid key of the wrong kind.
std::string ec_public_key_pem() {
  EVP_PKEY *key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  BIO *bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key);
  char *data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  std::string pem(data, size_t(length));
  BIO_free(bio);
  EVP_PKEY_free(key);
  return pem;
}

class TrustStoreTest : public SigningTest {
 protected:
  TrustStoreTest() { std::filesystem::create_directory(keys_dir_); }
  const std::filesystem::path keys_dir_ = file("trusted-keys");
};

TEST_F(TrustStoreTest, LoadsEveryEd25519PemAndSkipsTheRestWithAReason) {
  const auto vendor_a = PrivateKey::generate();
  const auto vendor_b = PrivateKey::generate();
  save_public_pem_file(vendor_a.public_key(), keys_dir_ / "a.pem");
  save_public_pem_file(vendor_b.public_key(), keys_dir_ / "b.pem");
  write(keys_dir_ / "ec.pem", ec_public_key_pem());
  write(keys_dir_ / "garbage.pem", "not a key\n");
  write(keys_dir_ / "README", "ignored: not *.pem\n");

  const auto store = TrustStore::load_directory(keys_dir_);
  EXPECT_EQ(store.size(), 2u);
  ASSERT_NE(store.find(vendor_a.key_id()), nullptr);
  EXPECT_EQ(store.find(vendor_a.key_id())->source, keys_dir_ / "a.pem");
  ASSERT_NE(store.find(vendor_b.key_id()), nullptr);
  EXPECT_EQ(store.find(PrivateKey::generate().key_id()), nullptr);
  EXPECT_EQ(store.origin(), keys_dir_.string());

  ASSERT_EQ(store.problems().size(), 2u);
  EXPECT_THAT(store.problems()[0], HasSubstr("ec.pem"));
  EXPECT_THAT(store.problems()[0], HasSubstr("not an Ed25519 one"));
  EXPECT_THAT(store.problems()[1], HasSubstr("garbage.pem"));
  EXPECT_THAT(store.problems()[1], HasSubstr("no PEM public key"));
}

TEST_F(TrustStoreTest, KeyFromTheDirectoryVerifiesAPluginSignedWithItsPrivateHalf) {
  const auto vendor = PrivateKey::generate();
  save_public_pem_file(vendor.public_key(), keys_dir_ / "vendor.pem");
  sign_plugin(plugin_, vendor);

  const auto check = verify_plugin(plugin_, TrustStore::load_directory(keys_dir_));
  EXPECT_TRUE(check.ok()) << check.message;
  EXPECT_THAT(check.message, HasSubstr("vendor.pem"));
}

TEST_F(TrustStoreTest, MissingDirectoryGivesAnEmptyStoreAndAProblem) {
  const auto store = TrustStore::load_directory(file("absent"));
  EXPECT_EQ(store.size(), 0u);
  ASSERT_EQ(store.problems().size(), 1u);
  EXPECT_THAT(store.problems()[0], HasSubstr("absent: not a directory"));
}

TEST_F(TrustStoreTest, EmptyDirectoryGivesAnEmptyStoreWithoutProblems) {
  const auto store = TrustStore::load_directory(keys_dir_);
  EXPECT_EQ(store.size(), 0u);
  EXPECT_THAT(store.problems(), IsEmpty());
}

TEST_F(TrustStoreTest, TheSameKeyTwiceIsKeptOnce) {
  const auto vendor = PrivateKey::generate();
  save_public_pem_file(vendor.public_key(), keys_dir_ / "1.pem");
  save_public_pem_file(vendor.public_key(), keys_dir_ / "2.pem");
  const auto store = TrustStore::load_directory(keys_dir_);
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.keys()[0].source, keys_dir_ / "1.pem");
}

}  // namespace
}  // namespace hearth::signing
