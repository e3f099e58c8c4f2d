// A plugin linked straight into the SDK test binary: each driver exercises one part of
// hearth/plugin.hpp, steered by its `mode` parameter.
#include <unistd.h>

#include <hearth/plugin.hpp>
#include <thread>

namespace sdk_probe {

// Compile-time checks of the declarative parameter builder.
constexpr auto kUnitParam = hearth::param_int("unit").min(1).max(247).default_value("1").help("u");
static_assert(kUnitParam.desc().type == HEARTH_PARAM_INT);
static_assert(kUnitParam.desc().flags == (HEARTH_PARAM_HAS_MIN | HEARTH_PARAM_HAS_MAX));
static_assert(kUnitParam.desc().max == 247.0);
static_assert(kUnitParam.desc().struct_size == sizeof(hearth_param_desc));
static_assert(hearth::param_string("x").required().desc().flags == HEARTH_PARAM_REQUIRED);

// Fails in the place its `fail_in` parameter names, with the kind of exception `throw` names.
class Failing : public hearth::Device {
 public:
  Failing() : where_(host().param_string("fail_in")), kind_(host().param_string("throw")) {
    if (where_ == "create") fail();
  }
  void start() override {
    if (where_ == "start") fail();
  }
  void command(const hearth::Command &) override { fail(); }
  void stop() override {
    if (where_ == "stop") fail();
  }

 private:
  void fail() const {
    if (kind_ == "hearth") throw hearth::Error(HEARTH_E_IO, "link is down (" + where_ + ")");
    if (kind_ == "std") throw std::runtime_error("bug in " + where_);
    if (kind_ == "alloc") throw std::bad_alloc();
    throw 42;
  }
  std::string where_, kind_;
};

// Uses every Host helper; the test reads the results from points and records.
class Probe : public hearth::Device {
 public:
  Probe()
      : ratio_(host().param_double("ratio")),
        enabled_(host().param_bool("enabled")),
        period_(host().param_duration("period")),
        tags_(host().param_list("tags")),
        label_(host().param_string("label")) {}

  void start() override {
    ticks_ = host().declare_point<int64_t>("ticks", "", 10'000);
    ratio_point_ = host().declare_point<double>("ratio", "", 10'000);
    label_point_ = host().declare_point<std::string>("label", "", 10'000);
    thread_point_ = host().declare_point<bool>("ran_on_core_thread", "", 10'000);
    core_thread_ = std::this_thread::get_id();
    host().register_capability("switchable_load",
                               {hearth::limit("rated_w", 2300.0), hearth::limit("phases", 1)});
    ratio_point_.publish(ratio_ * (enabled_ ? 1 : -1));
    label_point_.publish(label_ + "/" + std::to_string(tags_.size()));
    // A periodic timer that cancels itself on its third tick.
    tick_timer_ = host().every(period_, [this] {
      ticks_.publish(++tick_count_);
      if (tick_count_ == 3) host().cancel_timer(tick_timer_);
    });
    host().kv_set("big", std::string(1000, 'k'));
  }

  void command(const hearth::Command &command) override {
    if (command.name() == "post_from_thread") {
      std::thread([this] {
        host().post([this] { thread_point_.publish(on_core_thread()); });
      }).join();
    } else if (command.name() == "work") {
      const auto id = command.id();
      host().submit_work([this] { work_thread_ = std::this_thread::get_id(); },
                         [this, id] {
                           thread_point_.publish(work_thread_ != core_thread_ && on_core_thread());
                           host().complete(id);
                         });
      return;
    } else if (command.name() == "decode") {
      auto request = hearth::modbus_read(HEARTH_MODBUS_READ_HOLDING_REGISTERS, 1, 0, 4);
      host().modbus_submit(request, [this](const hearth::ModbusResult &r) {
        ratio_point_.publish(r.f32(0));
        ticks_.publish(r.i32(2));
        r.u16(4);  // past the end: throws, and the SDK logs it
      });
    } else if (command.name() == "kv") {
      label_point_.publish(std::to_string(host().kv_get_string("big")->size()) +
                           (host().kv_get("absent") ? "!" : "-"));
    } else if (command.name() == "later") {
      pending_ = command.id();
      host().after(std::chrono::milliseconds(command.integer("delay_ms")),
                   [this] { host().complete(pending_, HEARTH_OK, "done late"); });
      return;
    } else if (command.name() == "twice") {
      host().complete(command);
      host().complete(command);
      return;
    } else if (command.name() == "unknown_param") {
      host().param_int("nope");
    }
    host().complete(command, HEARTH_OK, command.text_arg("note"));
  }

 private:
  bool on_core_thread() const { return std::this_thread::get_id() == core_thread_; }

  const double ratio_;
  const bool enabled_;
  const std::chrono::milliseconds period_;
  const std::vector<std::string> tags_;
  const std::string label_;
  hearth::Point<int64_t> ticks_;
  hearth::Point<double> ratio_point_;
  hearth::Point<std::string> label_point_;
  hearth::Point<bool> thread_point_;
  int32_t tick_timer_ = 0;
  int64_t tick_count_ = 0;
  uint64_t pending_ = 0;
  std::thread::id core_thread_;
  std::thread::id work_thread_;
};

// Uses the host's I/O services: fd watches, HAL channels, identity, fail-safe writes.
class IoProbe : public hearth::Device {
 public:
  IoProbe() : long_text_(host().param_string("long_text")) {}
  ~IoProbe() override {
    for (int fd : pipe_)
      if (fd >= 0) ::close(fd);
  }

  void start() override {
    fd_bytes_ = host().declare_point<int64_t>("fd_bytes", "", 10'000);
    di_ = host().declare_point<bool>("di", "", 10'000);
    ct_samples_ = host().declare_point<int64_t>("ct_samples", "", 10'000);
    text_length_ = host().declare_point<int64_t>("text_length", "", 10'000);
    device_id_ = host().declare_point<std::string>("device_id", "", 10'000);
    host().set_identity("M1", "SN42", nullptr);
    device_id_.publish(host().device_id());
    text_length_.publish(static_cast<int64_t>(long_text_.size()));
    host().set_do("DO1", true);
    di_.publish(host().get_di("DI1"));
    host().subscribe_ct("CT1", [this](const hearth_ct_block &block) {
      ct_samples_.publish(static_cast<int64_t>(block.count));
    });
    host().register_failsafe({hearth::modbus_write_registers(1, 40125, {0}, HEARTH_PRIO_SAFETY)});
    if (::pipe(pipe_) != 0) throw hearth::Error(HEARTH_E_IO, "pipe failed");
    host().watch_fd(pipe_[0], HEARTH_FD_READ, [this](int32_t fd, uint32_t) {
      char buf[64];
      const ssize_t n = ::read(fd, buf, sizeof buf);
      fd_bytes_.publish(static_cast<int64_t>(n));
    });
  }

  void command(const hearth::Command &command) override {
    if (command.name() == "write_fd") {
      if (::write(pipe_[1], "abc", 3) != 3) throw hearth::Error(HEARTH_E_IO, "write failed");
    } else if (command.name() == "read_as_failsafe") {
      host().register_failsafe(
          {hearth::modbus_read(HEARTH_MODBUS_READ_HOLDING_REGISTERS, 1, 0, 1)});
    }
    host().complete(command);
  }

  void stop() override { host().unwatch_fd(pipe_[0]); }

 private:
  const std::string long_text_;
  int pipe_[2] = {-1, -1};
  hearth::Point<int64_t> fd_bytes_, ct_samples_, text_length_;
  hearth::Point<bool> di_;
  hearth::Point<std::string> device_id_;
};

}  // namespace sdk_probe

HEARTH_PLUGIN(
    "sdk-probe", "0.0.1", "Hearth tests", "Apache-2.0", "Exercises plugin.hpp",
    hearth::driver<sdk_probe::Failing>(
        "sdk-failing", "test", "Fails on purpose",
        hearth::param_enum("fail_in", "create|start|command|stop").required(),
        hearth::param_enum("throw", "hearth|std|alloc|other").default_value("hearth")),
    hearth::driver<sdk_probe::Probe>("sdk-probe", "test", "Uses every Host helper",
                                     hearth::param_double("ratio").default_value("0.5"),
                                     hearth::param_bool("enabled").default_value("true"),
                                     hearth::param_duration("period").default_value("100ms"),
                                     hearth::param_list("tags").max(4),
                                     hearth::param_string("label").default_value("probe")),
    hearth::driver<sdk_probe::IoProbe>("sdk-io", "test",
                                       "Uses fd watches, HAL, identity and fail-safe writes",
                                       hearth::param_string("long_text").default_value("")))
