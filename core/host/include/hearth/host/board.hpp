#pragma once
// The box around hearthd: the HAL's front panel, RST button, digital inputs (ripple control),
// digital outputs and CT channels, wired to the runtime on the core thread.
//
// - alarm LED follows the highest active alarm severity; run LED is steady while hearthd runs;
//   comm LED follows the management-system link (none yet: off);
// - RST button holds become events on the bus (point "box/button_event") and in the log;
// - ripple control turns the debounced DI pattern into the allowed PV share, published as the
//   point "box/ripple_allowed_pv_pct", with an alarm for a pattern outside the table;
// - plugins reach the DOs, DIs and CT blocks they were granted (HalChannels).
// Every input is event-driven (the lines' event fds) and every timed step arms one timer for
// the next edge or deadline the HAL logic names; nothing polls.
#include <hearth/hal/front_panel.hpp>
#include <hearth/hal/hal.hpp>
#include <hearth/hal/reset_button.hpp>
#include <hearth/hal/ripple_control.hpp>
#include <hearth/host/runtime.hpp>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>

namespace hearth::host {

inline constexpr int32_t kAlarmRippleUndefinedPattern = 1101;

// The ripple-control settings of the validated `energy.ripple_control` node; nullopt without one.
std::optional<hal::RippleControlSettings> ripple_settings_from(const YAML::Node &energy);

class Board final : public HalChannels {
 public:
  Board(Runtime &runtime, std::unique_ptr<hal::Hal> hal,
        std::optional<hal::RippleControlSettings> ripple);
  ~Board() override;

  // Lights the run LED, starts watching the inputs and publishing their points.
  void start();
  hal::Hal &hal() { return *hal_; }
  const hal::RippleControl *ripple() const { return ripple_ ? &*ripple_ : nullptr; }

  bool set_digital_output(const std::string &channel, bool level) override;
  std::optional<bool> digital_input(const std::string &channel) override;
  int32_t subscribe_ct(Device &device, const std::string &channel, hearth_ct_fn fn,
                       void *user) override;

 private:
  struct Timed {
    explicit Timed(boost::asio::io_context &io) : timer(io) {}
    boost::asio::steady_timer timer;
  };
  struct CtSubscriber {
    std::shared_ptr<Device> device;
    uint64_t generation;
    uint32_t channel;
    hearth_ct_fn fn;
    void *user;
  };

  void watch(int fd, std::function<void()> on_readable);
  void wait_readable(boost::asio::posix::stream_descriptor &descriptor,
                     std::function<void()> on_readable);
  void arm(Timed &timed, std::optional<int64_t> at_mono_ns, std::function<void(int64_t)> fire);
  void on_alarms_changed();
  void on_button_edges();
  void on_input_edges(hal::InputLine &line);
  void on_ct_blocks();
  void rearm_panel();
  void rearm_button();
  void rearm_ripple();
  void publish_ripple(const hal::RippleLevel &level);
  void on_ripple_condition(const hal::UndefinedPatternCondition &condition);
  int64_t now() const { return runtime_.clock().mono_ns(); }

  Runtime &runtime_;
  std::unique_ptr<hal::Hal> hal_;
  hal::FrontPanel panel_;
  hal::ResetButton button_;
  std::optional<hal::RippleControl> ripple_;
  Timed panel_timer_, button_timer_, ripple_timer_;
  std::vector<std::unique_ptr<boost::asio::posix::stream_descriptor>> watches_;
  std::vector<CtSubscriber> ct_subscribers_;
  bus::PointId button_point_ = -1;
  bus::PointId ripple_point_ = -1;
};

}  // namespace hearth::host
