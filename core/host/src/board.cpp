#include "hearth/host/board.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstring>

#include "hearth/config/duration.hpp"

namespace hearth::host {

namespace {

constexpr const char *kBoardSource = "box";

hearth_value text_value(std::string_view text) {
  hearth_value value{};
  value.type = HEARTH_VALUE_STRING;
  std::strncpy(value.as.s, std::string(text).c_str(), HEARTH_VALUE_STRING_MAX - 1);
  return value;
}

hearth_value number_value(double number) {
  hearth_value value{};
  value.type = HEARTH_VALUE_DOUBLE;
  value.as.d = number;
  return value;
}

}  // namespace

std::optional<hal::RippleControlSettings> ripple_settings_from(const YAML::Node &energy) {
  if (!energy || !energy.IsMap() || !energy["ripple_control"]) return std::nullopt;
  const YAML::Node node = energy["ripple_control"];
  hal::RippleControlSettings settings;
  for (const auto &input : node["inputs"]) settings.inputs.push_back(input.as<std::string>());
  for (const auto &level : node["levels"]) {
    settings.levels_pct[level.first.as<std::string>()] = level.second.as<double>();
  }
  if (node["undefined"]) {
    settings.undefined = hal::parse_undefined_pattern_policy(node["undefined"].as<std::string>());
  }
  if (node["debounce"]) {
    if (auto ms = config::parse_duration_ms(node["debounce"].as<std::string>())) {
      settings.debounce_ns = *ms * 1'000'000;
    }
  }
  if (node["fail_safe_pct"]) settings.fail_safe_pct = node["fail_safe_pct"].as<double>();
  return settings;
}

Board::Board(Runtime &runtime, std::unique_ptr<hal::Hal> hal,
             std::optional<hal::RippleControlSettings> ripple)
    : runtime_(runtime),
      hal_(std::move(hal)),
      panel_(*hal_),
      button_({},
              [this](const hal::ButtonEvent &event) {
                const char *action = hal::to_string(event.action);
                spdlog::warn("RST button held: {}", action);
                runtime_.points().publish(button_point_, text_value(action), event.released_mono_ns,
                                          HEARTH_QUALITY_GOOD);
              }),
      panel_timer_(runtime.io()),
      button_timer_(runtime.io()),
      ripple_timer_(runtime.io()) {
  if (ripple) {
    ripple_.emplace(
        std::move(*ripple), [this](const hal::RippleLevel &level) { publish_ripple(level); },
        [this](const hal::UndefinedPatternCondition &condition) {
          on_ripple_condition(condition);
        });
  }
  runtime_.set_hal(this);
}

Board::~Board() {
  for (auto &watch : watches_) {
    watch->cancel();
    watch->release();  // the HAL owns its descriptors
  }
  runtime_.set_hal(nullptr);
}

void Board::start() {
  button_point_ = runtime_.points().declare("box/button_event", HEARTH_VALUE_STRING, "", 0);
  panel_.run().set_running(true, now());
  runtime_.alarms().add_listener([this](bus::AlarmChange, const bus::Alarm &) {
    on_alarms_changed();
  });
  on_alarms_changed();
  watch(hal_->button().event_fd(), [this] { on_button_edges(); });
  for (const auto &input : hal_->digital_inputs()) {
    auto *line = input.get();
    watch(line->event_fd(), [this, line] { on_input_edges(*line); });
  }
  if (hal_->ct() != nullptr) watch(hal_->ct()->event_fd(), [this] { on_ct_blocks(); });
  if (ripple_) {
    ripple_point_ = runtime_.points().declare("box/ripple_allowed_pv_pct", HEARTH_VALUE_DOUBLE,
                                              "%", 0);
    std::vector<bool> levels;
    for (const auto &name : ripple_->settings().inputs) {
      const auto *line = hal_->digital_input(name);
      levels.push_back(line != nullptr && line->level());
    }
    ripple_->start(levels, now());
    rearm_ripple();
  }
}

// --- event plumbing -------------------------------------------------------------------------

void Board::watch(int fd, std::function<void()> on_readable) {
  if (fd < 0) return;
  watches_.push_back(std::make_unique<boost::asio::posix::stream_descriptor>(runtime_.io(), fd));
  wait_readable(*watches_.back(), std::move(on_readable));
}

void Board::wait_readable(boost::asio::posix::stream_descriptor &descriptor,
                          std::function<void()> on_readable) {
  descriptor.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                        [this, &descriptor, on_readable](const boost::system::error_code &error) {
                          if (error) return;
                          on_readable();
                          wait_readable(descriptor, on_readable);
                        });
}

void Board::arm(Timed &timed, std::optional<int64_t> at_mono_ns,
                std::function<void(int64_t)> fire) {
  timed.timer.cancel();
  if (!at_mono_ns) return;
  const auto delay = std::chrono::nanoseconds(std::max<int64_t>(0, *at_mono_ns - now()));
  timed.timer.expires_after(delay);
  timed.timer.async_wait([this, fire](const boost::system::error_code &error) {
    if (!error) fire(now());
  });
}

// --- front panel ------------------------------------------------------------------------------

void Board::on_alarms_changed() {
  panel_.alarm().set_highest_severity(runtime_.alarms().highest_severity(), now());
  rearm_panel();
}

void Board::rearm_panel() {
  arm(panel_timer_, panel_.next_edge_mono_ns(), [this](int64_t at) {
    panel_.update(at);
    rearm_panel();
  });
}

// --- button and inputs --------------------------------------------------------------------------

void Board::on_button_edges() {
  for (const auto &edge : hal_->button().read_edges()) button_.on_edge(edge.level, edge.mono_ns);
  rearm_button();
}

void Board::rearm_button() {
  arm(button_timer_, button_.next_deadline_mono_ns(), [this](int64_t at) {
    button_.update(at);
    rearm_button();
  });
}

void Board::on_input_edges(hal::InputLine &line) {
  const auto edges = line.read_edges();
  if (!ripple_) return;
  for (const auto &edge : edges) ripple_->on_input(line.name(), edge.level, edge.mono_ns);
  rearm_ripple();
}

void Board::rearm_ripple() {
  arm(ripple_timer_, ripple_->next_deadline_mono_ns(), [this](int64_t at) {
    ripple_->update(at);
    rearm_ripple();
  });
}

void Board::publish_ripple(const hal::RippleLevel &level) {
  spdlog::info("ripple control: PV allowed {}% (pattern '{}', {})", level.allowed_pv_pct,
               level.pattern, hal::to_string(level.source));
  runtime_.points().publish(ripple_point_, number_value(level.allowed_pv_pct),
                            level.valid_from_mono_ns, HEARTH_QUALITY_GOOD);
}

void Board::on_ripple_condition(const hal::UndefinedPatternCondition &condition) {
  const int64_t wall_ms = runtime_.clock().wall_ms();
  if (condition.active) {
    runtime_.alarms().raise(kBoardSource, kAlarmRippleUndefinedPattern, HEARTH_SEVERITY_MINOR,
                            "ripple control: DI pattern '" + condition.pattern +
                                "' is not in the levels table",
                            wall_ms);
  } else {
    runtime_.alarms().clear(kBoardSource, kAlarmRippleUndefinedPattern, wall_ms);
  }
}

// --- channels granted to plugins ----------------------------------------------------------------

bool Board::set_digital_output(const std::string &channel, bool level) {
  auto *output = hal_->digital_output(channel);
  if (output == nullptr) return false;
  output->set(level);
  return true;
}

std::optional<bool> Board::digital_input(const std::string &channel) {
  const auto *input = hal_->digital_input(channel);
  if (input == nullptr) return std::nullopt;
  return input->level();
}

int32_t Board::subscribe_ct(Device &device, const std::string &channel, hearth_ct_fn fn,
                            void *user) {
  const auto index = hal::ct_channel_index(channel);
  if (!index || hal_->ct() == nullptr || *index >= hal_->ct()->channel_count()) {
    return HEARTH_E_NOT_FOUND;
  }
  ct_subscribers_.push_back(
      {runtime_.find_device(device.id), device.generation.load(), *index, fn, user});
  return HEARTH_OK;
}

void Board::on_ct_blocks() {
  const auto blocks = hal_->ct()->read_blocks();
  std::erase_if(ct_subscribers_, [](const CtSubscriber &subscriber) {
    return !subscriber.device->is_live(subscriber.generation);
  });
  for (const auto &block : blocks) {
    const hearth_ct_block view = block.abi_view();
    for (const auto &subscriber : ct_subscribers_) {
      if (subscriber.channel != block.channel) continue;
      runtime_.call_plugin(*subscriber.device, subscriber.generation, "ct block",
                           [&] { subscriber.fn(subscriber.user, &view); });
    }
  }
}

}  // namespace hearth::host
