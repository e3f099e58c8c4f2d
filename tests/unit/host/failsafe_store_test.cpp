#include <gtest/gtest.h>
#include <hearth/host/failsafe_store.hpp>

#include <fstream>

namespace hearth::host {
namespace {

hearth_modbus_request write_register(int unit, uint32_t address, uint16_t value) {
  hearth_modbus_request request{};
  request.struct_size = sizeof request;
  request.function = HEARTH_MODBUS_WRITE_SINGLE_REGISTER;
  request.unit = unit;
  request.address = address;
  request.count = 1;
  request.values[0] = value;
  return request;
}

class FailsafeStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("hearth-failsafe-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(FailsafeStoreTest, PersistsWritesWithTheirLinkAndReadsThemBack) {
  links::LinkSettings rtu{"rs485-1", links::RtuSettings{"/dev/ttyS1", 9600, 'E', 8, 1}, 300, 2};
  links::LinkSettings tcp{"inverter-lan", links::TcpSettings{"127.0.0.1", 1502}, 3000, 1};
  {
    FailsafeStore store(dir_ / "failsafe.json");
    store.replace("inverter-1", rtu, {write_register(1, 47415, 0), write_register(1, 47416, 1)});
    store.replace("inverter-2", tcp, {write_register(2, 47415, 0)});
    store.replace("inverter-1", rtu, {write_register(1, 47415, 7)});  // replaces the first set
  }
  const auto entries = FailsafeStore::read(dir_ / "failsafe.json");
  ASSERT_EQ(entries.size(), 2u);
  const auto &first = entries.at("inverter-1");
  ASSERT_EQ(first.writes.size(), 1u);
  EXPECT_EQ(first.writes[0].address, 47415u);
  EXPECT_EQ(first.writes[0].values[0], 7);
  EXPECT_EQ(first.writes[0].priority, HEARTH_PRIO_SAFETY);
  const auto &serial = std::get<links::RtuSettings>(first.link.transport);
  EXPECT_EQ(serial.device, "/dev/ttyS1");
  EXPECT_EQ(serial.parity, 'E');
  EXPECT_EQ(first.link.retries, 2);
  EXPECT_EQ(std::get<links::TcpSettings>(entries.at("inverter-2").link.transport).port, 1502);

  // A new store starts from the file, so a device that fails to start keeps its last set.
  FailsafeStore reopened(dir_ / "failsafe.json");
  EXPECT_EQ(reopened.entries().size(), 2u);
  reopened.remove("inverter-2");
  EXPECT_EQ(FailsafeStore::read(dir_ / "failsafe.json").size(), 1u);
}

TEST_F(FailsafeStoreTest, MissingFileIsEmptyAndCorruptFileIsAnErrorNamingIt) {
  EXPECT_TRUE(FailsafeStore::read(dir_ / "none.json").empty());
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ / "bad.json") << "{\"devices\": [ {\"device\": 3";
  try {
    FailsafeStore::read(dir_ / "bad.json");
    FAIL() << "a corrupt file was accepted";
  } catch (const std::runtime_error &error) {
    EXPECT_NE(std::string(error.what()).find("bad.json: unreadable fail-safe file"),
              std::string::npos)
        << error.what();
  }
}

TEST(FailsafeWrite, OnlyWritesQualify) {
  auto request = write_register(1, 1, 1);
  EXPECT_TRUE(is_failsafe_write(request));
  request.function = HEARTH_MODBUS_READ_HOLDING_REGISTERS;
  EXPECT_FALSE(is_failsafe_write(request));
  request.function = HEARTH_MODBUS_WRITE_MULTIPLE_REGISTERS;
  request.count = 0;
  EXPECT_FALSE(is_failsafe_write(request));
  request.count = 2;
  EXPECT_TRUE(is_failsafe_write(request));
}

}  // namespace
}  // namespace hearth::host
