// The IIO CT reader against a sysfs tree and character device laid out like the kernel's, in a
// temporary directory (the device node is a FIFO the test writes scans into).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <hearth/hal/hal.hpp>
#include <hearth/hal/linux_iio.hpp>

namespace hearth::hal {
namespace {

namespace fs = std::filesystem;

void put(const fs::path &path, const std::string &text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text << '\n';
}

std::string get(const fs::path &path) {
  std::string text;
  std::getline(std::ifstream(path), text);
  return text;
}

class IioCtInputTest : public ::testing::Test {
 protected:
  IioCtInputTest() {
    root_ = fs::temp_directory_path() /
            ("hearth-iio-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    device_ = root_ / "sys" / "iio:device1";
    put(root_ / "sys" / "iio:device0" / "name", "cpu-thermal");
    put(device_ / "name", "ct-adc");
    put(device_ / "buffer" / "enable", "0");
    put(device_ / "buffer" / "length", "0");
    put(device_ / "in_voltage_scale", "0.5");    // shared by all voltage channels
    put(device_ / "in_voltage1_offset", "-10");  // only channel 1
    put(device_ / "current_timestamp_clock", "realtime");
    for (int i = 0; i < 2; ++i) {
      const std::string el = "in_voltage" + std::to_string(i);
      put(device_ / "scan_elements" / (el + "_type"), "le:s16/16>>0");
      put(device_ / "scan_elements" / (el + "_index"), std::to_string(i));
      put(device_ / "scan_elements" / (el + "_en"), "0");
    }
    put(device_ / "scan_elements" / "in_timestamp_type", "le:s64/64>>0");
    put(device_ / "scan_elements" / "in_timestamp_index", "2");
    put(device_ / "scan_elements" / "in_timestamp_en", "0");
    fs::create_directories(root_ / "dev");
    node_ = root_ / "dev" / "iio:device1";
    EXPECT_EQ(::mkfifo(node_.c_str(), 0600), 0) << std::strerror(errno);

    settings_.iio_device_name = "ct-adc";
    settings_.sysfs_root = (root_ / "sys").string();
    settings_.dev_root = (root_ / "dev").string();
    settings_.sample_rate_hz = 8000.0;
    settings_.block_samples = 2;
    settings_.channels = {{"in_voltage0", "in_voltage1", 2.0, 0.001}};
  }
  ~IioCtInputTest() override { fs::remove_all(root_); }

  // One scan: V raw, I raw, timestamp; 16 bytes.
  static std::vector<uint8_t> scan(int16_t v, int16_t i, int64_t stamp) {
    std::vector<uint8_t> bytes(16, 0);
    std::memcpy(bytes.data(), &v, 2);
    std::memcpy(bytes.data() + 2, &i, 2);
    std::memcpy(bytes.data() + 8, &stamp, 8);
    return bytes;
  }

  fs::path root_, device_, node_;
  CtSettings settings_;
  ManualClock clock_;
};

TEST_F(IioCtInputTest, SetsTheBufferUpAndDeliversScaledTimestampedBlocks) {
  auto ct = open_iio_ct_input(settings_, clock_);
  EXPECT_EQ(get(device_ / "scan_elements" / "in_voltage0_en"), "1");
  EXPECT_EQ(get(device_ / "scan_elements" / "in_voltage1_en"), "1");
  EXPECT_EQ(get(device_ / "scan_elements" / "in_timestamp_en"), "1");
  EXPECT_EQ(get(device_ / "current_timestamp_clock"), "monotonic");
  EXPECT_EQ(get(device_ / "buffer" / "length"), "8");
  EXPECT_EQ(get(device_ / "buffer" / "enable"), "1");
  EXPECT_EQ(ct->channel_count(), 1u);

  const int writer = ::open(node_.c_str(), O_WRONLY | O_NONBLOCK);
  ASSERT_GE(writer, 0) << std::strerror(errno);
  std::vector<uint8_t> bytes = scan(100, 30, 7'000'000);
  const auto second = scan(-100, 10, 7'125'000);
  bytes.insert(bytes.end(), second.begin(), second.end());
  ASSERT_EQ(::write(writer, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  const auto blocks = ct->read_blocks();
  ::close(writer);
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].first_sample_mono_ns, 7'000'000);
  EXPECT_EQ(blocks[0].sample_rate_hz, 8000.0);
  ASSERT_EQ(blocks[0].voltage_v.size(), 2u);
  EXPECT_FLOAT_EQ(blocks[0].voltage_v[0], 100 * 0.5 * 2.0);
  EXPECT_FLOAT_EQ(blocks[0].voltage_v[1], -100 * 0.5 * 2.0);
  EXPECT_FLOAT_EQ(blocks[0].current_a[0], (30 - 10) * 0.5 * 0.001);

  ct.reset();
  EXPECT_EQ(get(device_ / "buffer" / "enable"), "0");
}

TEST_F(IioCtInputTest, TheLinuxBackendOpensItFromTheSettings) {
  HalSettings settings;
  settings.backend = HalBackend::kLinux;
  settings.clock = &clock_;
  for (auto &led : settings.leds) led.gpio_line.clear();
  settings.button.gpio_line.clear();
  settings.digital_inputs.clear();
  settings.digital_outputs.clear();
  settings.ct = settings_;
  auto hal = make_hal(settings);
  ASSERT_NE(hal->ct(), nullptr);
  EXPECT_EQ(hal->ct()->channel_count(), 1u);
  EXPECT_GE(hal->ct()->event_fd(), 0);
  EXPECT_EQ(get(device_ / "buffer" / "enable"), "1");
  EXPECT_TRUE(hal->ct()->read_blocks().empty());  // no writer yet: nothing, and no blocking
}

TEST_F(IioCtInputTest, NamesTheDevicesItFoundWhenTheNameIsWrong) {
  settings_.iio_device_name = "ads131";
  try {
    open_iio_ct_input(settings_, clock_);
    FAIL() << "opened";
  } catch (const std::runtime_error &error) {
    const std::string text = error.what();
    EXPECT_NE(text.find("no device named 'ads131'"), std::string::npos) << text;
    EXPECT_NE(text.find("ct-adc"), std::string::npos) << text;
    EXPECT_NE(text.find("cpu-thermal"), std::string::npos) << text;
  }
}

TEST_F(IioCtInputTest, NamesAMissingScanElement) {
  settings_.channels[0].current_element = "in_current0";
  try {
    open_iio_ct_input(settings_, clock_);
    FAIL() << "opened";
  } catch (const std::runtime_error &error) {
    EXPECT_NE(std::string(error.what()).find("has no scan element in_current0"), std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace hearth::hal
