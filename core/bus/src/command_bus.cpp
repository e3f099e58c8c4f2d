#include <algorithm>
#include <cstring>
#include <exception>
#include <hearth/bus/command_bus.hpp>
#include <hearth/bus/value_check.hpp>

namespace hearth::bus {

namespace {

void copy_name(char (&target)[HEARTH_NAME_MAX], std::string_view text) {
  // check_request guaranteed text.size() < HEARTH_NAME_MAX.
  std::memset(target, 0, sizeof(target));
  std::memcpy(target, text.data(), text.size());
}

std::string status_text(int32_t status) {
  return "status " + std::to_string(status);
}

}  // namespace

int32_t CommandBus::register_handler(std::string device, CommandHandler handler) {
  if (device.empty() || !handler) return HEARTH_E_INVALID;
  if (handlers_.contains(device)) return HEARTH_E_STATE;
  handlers_.emplace(std::move(device), std::make_shared<CommandHandler>(std::move(handler)));
  return HEARTH_OK;
}

void CommandBus::unregister_handler(std::string_view device) {
  cancel_device(device);
  if (const auto found = handlers_.find(device); found != handlers_.end()) {
    handlers_.erase(found);
  }
}

std::optional<std::string> CommandBus::check_request(std::string_view capability,
                                                     std::string_view name,
                                                     std::span<const hearth_arg> args,
                                                     int32_t priority) const {
  if (capability.empty() || capability.size() >= HEARTH_NAME_MAX) {
    return "capability name must be 1.." + std::to_string(HEARTH_NAME_MAX - 1) + " bytes";
  }
  if (name.empty() || name.size() >= HEARTH_NAME_MAX) {
    return "command name must be 1.." + std::to_string(HEARTH_NAME_MAX - 1) + " bytes";
  }
  if (args.size() > HEARTH_COMMAND_ARGS_MAX) {
    return std::to_string(args.size()) + " arguments, at most " +
           std::to_string(HEARTH_COMMAND_ARGS_MAX) + " allowed";
  }
  if (priority < HEARTH_PRIO_POLL || priority > HEARTH_PRIO_SAFETY) {
    return "priority " + std::to_string(priority) + " is not POLL..SAFETY";
  }
  for (const hearth_arg &arg : args) {
    const auto arg_name = bounded_text(arg.name);
    if (!arg_name || arg_name->empty()) return "an argument name is empty or not NUL-terminated";
    if (auto problem = check_value(arg.value)) {
      return "argument '" + std::string(*arg_name) + "': " + *problem;
    }
  }
  return std::nullopt;
}

hearth_command CommandBus::build_command(uint64_t id, const OpenCommand &open,
                                         std::span<const hearth_arg> args) const {
  hearth_command command{};
  command.struct_size = sizeof(hearth_command);
  command.priority = open.priority;
  command.id = id;
  command.deadline_mono_ns = open.deadline_mono_ns;
  copy_name(command.capability, open.capability);
  copy_name(command.name, open.name);
  command.arg_count = static_cast<uint32_t>(args.size());
  std::copy(args.begin(), args.end(), command.args);
  return command;
}

uint64_t CommandBus::submit(std::string_view device, std::string_view capability,
                            std::string_view name, std::span<const hearth_arg> args,
                            int32_t priority, int64_t deadline_mono_ns,
                            CompletionCallback on_complete) {
  const uint64_t id = ++last_id_;
  const int64_t now_mono_ns = clock_.mono_ns();
  ++stats_.submitted;
  if (priority >= HEARTH_PRIO_POLL && priority <= HEARTH_PRIO_SAFETY) {
    ++stats_.submitted_by_priority[static_cast<size_t>(priority)];
  }
  OpenCommand &open = open_[id];
  open.device = device;
  open.capability = capability;
  open.name = name;
  open.priority = priority;
  open.submitted_mono_ns = now_mono_ns;
  open.deadline_mono_ns = deadline_mono_ns;
  open.on_complete = std::move(on_complete);

  if (auto problem = check_request(capability, name, args, priority)) {
    finish(id, HEARTH_E_INVALID, *problem);
  } else if (!handlers_.contains(device)) {
    finish(id, HEARTH_E_NOT_FOUND, "no device '" + std::string(device) + "' takes commands");
  } else if (deadline_mono_ns != 0 && deadline_mono_ns <= now_mono_ns) {
    finish(id, HEARTH_E_TIMEOUT, "the deadline had passed before the command was sent");
  } else {
    if (deadline_mono_ns != 0) deadlines_.emplace(deadline_mono_ns, id);
    dispatch(id, args);
  }
  return id;
}

void CommandBus::dispatch(uint64_t id, std::span<const hearth_arg> args) {
  OpenCommand &open = open_.at(id);
  open.reached_device = true;
  const std::shared_ptr<CommandHandler> handler = handlers_.find(open.device)->second;
  const hearth_command command = build_command(id, open, args);
  // `open` may be gone after the call: the handler may complete the command synchronously.
  int32_t status = HEARTH_OK;
  std::string message;
  try {
    status = (*handler)(command);
  } catch (const std::exception &error) {
    status = HEARTH_E_INTERNAL;
    message = std::string("the command handler threw: ") + error.what();
  } catch (...) {
    status = HEARTH_E_INTERNAL;
    message = "the command handler threw";
  }
  if (status >= HEARTH_OK) return;
  if (message.empty()) message = "the device refused the command (" + status_text(status) + ")";
  finish(id, status, message);  // a no-op if the handler already completed it
}

int32_t CommandBus::complete(std::string_view device, uint64_t id, int32_t status,
                             std::string_view message) {
  const auto found = open_.find(id);
  if (found == open_.end()) {
    ++stats_.ignored_completions;
    return HEARTH_E_NOT_FOUND;
  }
  if (found->second.device != device) {
    ++stats_.ignored_completions;
    return HEARTH_E_DENIED;
  }
  if (status > HEARTH_OK) {
    ++stats_.ignored_completions;
    return HEARTH_E_INVALID;
  }
  finish(id, status, message);
  return HEARTH_OK;
}

void CommandBus::count_outcome(int32_t status, bool reached_device) {
  if (!reached_device) {
    // Refusals before the device: a passed deadline still counts as a timeout.
    ++(status == HEARTH_E_TIMEOUT ? stats_.timed_out : stats_.refused);
    return;
  }
  switch (status) {
    case HEARTH_OK:
      ++stats_.succeeded;
      break;
    case HEARTH_E_TIMEOUT:
      ++stats_.timed_out;
      break;
    case HEARTH_E_CANCELLED:
      ++stats_.cancelled;
      break;
    default:
      ++stats_.failed;
  }
}

bool CommandBus::finish(uint64_t id, int32_t status, std::string_view message) {
  const auto found = open_.find(id);
  if (found == open_.end()) return false;
  // Out of the table before the callback runs: a second completion from inside it is ignored.
  OpenCommand command = std::move(found->second);
  open_.erase(found);
  if (command.deadline_mono_ns != 0) deadlines_.erase({command.deadline_mono_ns, id});

  const int64_t latency_ns = clock_.mono_ns() - command.submitted_mono_ns;
  if (command.reached_device) latency_.record(latency_ns);
  count_outcome(status, command.reached_device);
  if (command.on_complete) {
    const std::string owned_message(message);  // message may point into state the callback frees
    command.on_complete(CommandResult{id, command.device, command.capability, command.name,
                                      command.priority, status, owned_message, latency_ns});
  }
  return true;
}

size_t CommandBus::expire_due(int64_t now_mono_ns) {
  size_t expired = 0;
  while (!deadlines_.empty() && deadlines_.begin()->first <= now_mono_ns) {
    finish(deadlines_.begin()->second, HEARTH_E_TIMEOUT,
           "the device did not complete the command before its deadline");
    ++expired;
  }
  return expired;
}

std::optional<int64_t> CommandBus::next_deadline() const {
  if (deadlines_.empty()) return std::nullopt;
  return deadlines_.begin()->first;
}

size_t CommandBus::cancel_device(std::string_view device) {
  std::vector<uint64_t> ids;
  for (const auto &[id, open] : open_) {
    if (open.device == device) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());  // oldest first, so completions arrive in submit order
  size_t cancelled = 0;
  for (const uint64_t id : ids) {
    if (finish(id, HEARTH_E_CANCELLED, "the device stopped before completing the command")) {
      ++cancelled;
    }
  }
  return cancelled;
}

}  // namespace hearth::bus
