// Ed25519 keys: PEM files round-trip, a private key file is private (0600) and never replaced,
// the key id is stable, and signatures verify only with the matching key and message.
#include <gmock/gmock.h>
#include <sys/stat.h>

#include "signing_fixture.hpp"

namespace hearth::signing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

std::vector<uint8_t> bytes_of(const std::string &text) {
  return {text.begin(), text.end()};
}

class KeysTest : public SigningTest {};

TEST_F(KeysTest, KeyIdIsSixteenHexDigitsSharedByBothHalves) {
  const auto key = PrivateKey::generate();
  EXPECT_THAT(key.key_id(), MatchesRegex("[0-9a-f]{16}"));
  EXPECT_EQ(key.public_key().key_id(), key.key_id());
  EXPECT_NE(PrivateKey::generate().key_id(), key.key_id());
}

TEST_F(KeysTest, PrivateKeyRoundTripsThroughAPrivateFile) {
  const auto key = PrivateKey::generate();
  key.save_pem_file(file("k.pem"));
  struct stat info {};
  ASSERT_EQ(::stat(file("k.pem").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_THAT(read(file("k.pem")), HasSubstr("-----BEGIN PRIVATE KEY-----"));

  const auto loaded = PrivateKey::from_pem_file(file("k.pem"));
  EXPECT_EQ(loaded.key_id(), key.key_id());
  const auto message = bytes_of("message");
  EXPECT_TRUE(key.public_key().verify(message, loaded.sign(message)));
}

TEST_F(KeysTest, PublicKeyRoundTripsThroughPem) {
  const auto key = PrivateKey::generate();
  const std::string pem = key.public_key().to_pem();
  EXPECT_THAT(pem, HasSubstr("-----BEGIN PUBLIC KEY-----"));
  EXPECT_EQ(PublicKey::from_pem(pem).key_id(), key.key_id());
}

TEST_F(KeysTest, ExistingKeyFilesAreNeverReplaced) {
  const auto key = PrivateKey::generate();
  key.save_pem_file(file("k.pem"));
  const std::string before = read(file("k.pem"));
  EXPECT_THROW(PrivateKey::generate().save_pem_file(file("k.pem")), SigningError);
  EXPECT_THROW(save_public_pem_file(key.public_key(), file("k.pem")), SigningError);
  EXPECT_EQ(read(file("k.pem")), before);
}

TEST_F(KeysTest, SignatureVerifiesOnlyForItsKeyAndMessage) {
  const auto key = PrivateKey::generate();
  const auto message = bytes_of("plugin digest");
  const auto signature = key.sign(message);
  EXPECT_EQ(signature.size(), 64u);
  EXPECT_TRUE(key.public_key().verify(message, signature));
  EXPECT_FALSE(key.public_key().verify(bytes_of("plugin digesT"), signature));
  EXPECT_FALSE(PrivateKey::generate().public_key().verify(message, signature));
  auto flipped = signature;
  flipped[10] ^= 0x80;
  EXPECT_FALSE(key.public_key().verify(message, flipped));
}

TEST_F(KeysTest, LoadingTheWrongFilesThrowsNamingThem) {
  write(file("garbage.pem"), "garbage");
  try {
    PrivateKey::from_pem_file(file("garbage.pem"));
    FAIL() << "no exception";
  } catch (const SigningError &error) {
    EXPECT_THAT(error.what(), HasSubstr("garbage.pem: no PEM private key"));
  }
  try {
    PublicKey::from_pem_file(file("absent.pem"));
    FAIL() << "no exception";
  } catch (const SigningError &error) {
    EXPECT_THAT(error.what(), HasSubstr("cannot read"));
    EXPECT_THAT(error.what(), HasSubstr("absent.pem"));
  }
  // A private key where a public one is expected: PEM_read_PUBKEY finds no public key block.
  PrivateKey::generate().save_pem_file(file("private.pem"));
  EXPECT_THROW(PublicKey::from_pem_file(file("private.pem")), SigningError);
}

}  // namespace
}  // namespace hearth::signing
