#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <hearth/hal/iio_scan.hpp>
#include <hearth/hal/linux_iio.hpp>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace hearth::hal {

namespace fs = std::filesystem;

namespace {

std::optional<std::string> read_attribute(const fs::path &path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::string text;
  std::getline(in, text);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

std::string require_attribute(const fs::path &path) {
  auto text = read_attribute(path);
  if (!text) throw std::runtime_error("iio: cannot read " + path.string());
  return *text;
}

void write_attribute(const fs::path &path, const std::string &value) {
  std::ofstream out(path);
  out << value << '\n';
  out.flush();
  if (!out) throw std::runtime_error("iio: cannot write '" + value + "' to " + path.string());
}

double parse_double(const std::string &text, const fs::path &from) {
  try {
    std::size_t used = 0;
    const double value = std::stod(text, &used);
    if (used == text.size()) return value;
  } catch (const std::exception &) {
  }
  throw std::runtime_error("iio: " + from.string() + " holds '" + text + "', not a number");
}

// "in_voltage0" -> "in_voltage": the prefix of attributes shared by all channels of a type.
std::string shared_prefix(const std::string &element) {
  std::string prefix = element;
  while (!prefix.empty() && std::isdigit(static_cast<unsigned char>(prefix.back()))) {
    prefix.pop_back();
  }
  return prefix;
}

// An element's own attribute (in_voltage0_scale), else the shared one (in_voltage_scale).
double channel_attribute(const fs::path &device, const std::string &element, const char *what,
                         double fallback) {
  for (const auto &name : {element + "_" + what, shared_prefix(element) + "_" + what}) {
    const auto path = device / name;
    if (auto text = read_attribute(path)) return parse_double(*text, path);
  }
  return fallback;
}

fs::path find_device(const CtSettings &settings) {
  std::vector<std::string> found;
  std::error_code error;
  for (const auto &entry : fs::directory_iterator(settings.sysfs_root, error)) {
    const auto name = read_attribute(entry.path() / "name");
    if (!name) continue;
    if (*name == settings.iio_device_name) return entry.path();
    found.push_back(*name);
  }
  std::string message =
      "iio: no device named '" + settings.iio_device_name + "' under " + settings.sysfs_root;
  if (error) message += " (" + error.message() + ")";
  if (!found.empty()) {
    message += " (found:";
    for (const auto &name : found) message += " " + name;
    message += ")";
  }
  throw std::runtime_error(message);
}

class IioCtInput final : public CtInput {
 public:
  IioCtInput(const CtSettings &settings, hearth::Clock &clock)
      : clock_(clock),
        device_(find_device(settings)),
        channel_count_(static_cast<uint32_t>(settings.channels.size())) {
    write_attribute(device_ / "buffer" / "enable", "0");  // the scan can change only when off
    const double rate_hz = configure_sample_rate(settings.sample_rate_hz);
    std::vector<IioScanElement> elements;
    for (const auto &channel : settings.channels) {
      elements.push_back(enable_element(channel.voltage_element));
      elements.push_back(enable_element(channel.current_element));
    }
    const bool timestamped = enable_timestamp();
    if (timestamped) elements.push_back(enable_element("in_timestamp"));
    auto layout = layout_iio_scan(std::move(elements));
    std::vector<CtChannelDecode> decodes;
    for (const auto &channel : settings.channels) {
      decodes.push_back({value_decode(layout, channel.voltage_element, channel.voltage_gain),
                         value_decode(layout, channel.current_element, channel.current_gain)});
    }
    const auto timestamp_slot = timestamped ? layout.find("in_timestamp") : std::nullopt;
    decoder_.emplace(std::move(layout), std::move(decodes), timestamp_slot, rate_hz,
                     settings.block_samples, settings.current_skew_s);
    write_attribute(device_ / "buffer" / "length", std::to_string(settings.block_samples * 4));
    write_attribute(device_ / "buffer" / "enable", "1");
    const auto node = fs::path(settings.dev_root) / device_.filename();
    fd_ = ::open(node.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd_ < 0) {
      throw std::runtime_error("iio: cannot open " + node.string() + ": " + std::strerror(errno));
    }
  }

  ~IioCtInput() override {
    if (fd_ >= 0) ::close(fd_);
    try {
      write_attribute(device_ / "buffer" / "enable", "0");
    } catch (const std::exception &) {
      // The device may be gone; nothing left to stop then.
    }
  }

  uint32_t channel_count() const override { return channel_count_; }
  int event_fd() const override { return fd_; }

  std::vector<CtBlock> read_blocks() override {
    std::vector<CtBlock> blocks;
    uint8_t buffer[4096];
    for (;;) {
      const ssize_t got = ::read(fd_, buffer, sizeof buffer);
      if (got <= 0) break;  // EAGAIN: drained; 0: no writer (only seen with test FIFOs)
      auto decoded = decoder_->push({buffer, static_cast<std::size_t>(got)}, clock_.mono_ns());
      for (auto &block : decoded) blocks.push_back(std::move(block));
    }
    return blocks;
  }

 private:
  double configure_sample_rate(double wanted_hz) {
    const auto path = device_ / "sampling_frequency";
    if (!read_attribute(path)) return wanted_hz;  // fixed-rate converter
    std::ostringstream text;
    text << wanted_hz;
    write_attribute(path, text.str());
    return parse_double(require_attribute(path), path);  // what the driver really chose
  }

  IioScanElement enable_element(const std::string &name) {
    const auto scan = device_ / "scan_elements";
    if (!read_attribute(scan / (name + "_type"))) {
      throw std::runtime_error("iio: device " + device_.filename().string() +
                               " has no scan element " + name);
    }
    write_attribute(scan / (name + "_en"), "1");
    IioScanElement element;
    element.name = name;
    element.format = parse_iio_scan_format(require_attribute(scan / (name + "_type")));
    const auto index_path = scan / (name + "_index");
    element.index = static_cast<uint32_t>(parse_double(require_attribute(index_path), index_path));
    return element;
  }

  // Timestamps only when they can be on CLOCK_MONOTONIC, the clock of the whole core.
  bool enable_timestamp() {
    if (!read_attribute(device_ / "scan_elements" / "in_timestamp_type")) return false;
    const auto clock_path = device_ / "current_timestamp_clock";
    if (!read_attribute(clock_path)) return false;
    try {
      write_attribute(clock_path, "monotonic");
    } catch (const std::exception &) {
      return false;
    }
    return read_attribute(clock_path) == "monotonic";
  }

  IioValueDecode value_decode(const IioScanLayout &layout, const std::string &element,
                              double gain) {
    return {*layout.find(element), channel_attribute(device_, element, "offset", 0.0),
            channel_attribute(device_, element, "scale", 1.0), gain};
  }

  hearth::Clock &clock_;
  fs::path device_;
  uint32_t channel_count_;
  std::optional<CtFrameDecoder> decoder_;
  int fd_ = -1;
};

}  // namespace

std::unique_ptr<CtInput> open_iio_ct_input(const CtSettings &settings, hearth::Clock &clock) {
  return std::make_unique<IioCtInput>(settings, clock);
}

}  // namespace hearth::hal
