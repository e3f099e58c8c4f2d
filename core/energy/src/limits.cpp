// The limits layer's arithmetic (limits.hpp).
#include <algorithm>
#include <cmath>
#include <hearth/energy/limits.hpp>

namespace hearth::energy {
namespace {

struct Candidate {
  double total_w;
  Binding binding;
};

// Phases whose power is known; the inverters feed all of them alike (a three-phase inverter puts
// a third of its output on each).
struct PhaseView {
  std::vector<std::pair<double, double>> power_and_limit_w;  // (P_k, I_max × U_k)
  double inverter_share = 1.0;                               // of a change in total output
};

PhaseView phases_of(const GridReading &grid, const LimitInputs &inputs) {
  PhaseView view;
  if (inputs.phase_current_limit_a <= 0) return view;
  const int count = inputs.single_phase ? 1 : 3;
  for (int k = 0; k < count; ++k) {
    if (!grid.phase_power_w[k]) return {};  // incomplete: the total-based limits still hold
    const double voltage = grid.phase_voltage_v[k].value_or(kNominalPhaseVoltageV);
    view.power_and_limit_w.emplace_back(*grid.phase_power_w[k],
                                        inputs.phase_current_limit_a * voltage);
  }
  view.inverter_share = 1.0 / count;
  return view;
}

}  // namespace

const char *to_string(Binding binding) {
  switch (binding) {
    case Binding::none:
      return "none";
    case Binding::feed_in:
      return "feed-in";
    case Binding::external_feed_in:
      return "external";
    case Binding::ripple:
      return "ripple";
    case Binding::phase_current:
      return "phase-current";
  }
  return "?";
}

LimitDecision decide_limits(const GridReading &grid, const LimitInputs &inputs,
                            std::span<const InverterInput> inverters, double headroom_w) {
  LimitDecision decision;
  double reachable_output_w = 0, unreachable_rated_w = 0;
  std::vector<InverterInput> reachable;
  for (const auto &inverter : inverters) {
    if (inverter.reachable) {
      reachable_output_w += inverter.ac_power_w;
      reachable.push_back(inverter);
    } else {
      unreachable_rated_w += inverter.rated_w;
    }
  }
  const double export_w = -grid.power_w;
  const double base_w = grid.power_w + reachable_output_w;  // load minus unknown production
  std::vector<Candidate> candidates;
  auto export_limit = [&](std::optional<double> limit_w, Binding binding) {
    if (!limit_w) return;
    candidates.push_back({base_w + *limit_w - inputs.margin_w, binding});
    if (export_w > *limit_w) decision.export_violation = true;
  };
  export_limit(inputs.feed_in_limit_w, Binding::feed_in);
  export_limit(inputs.external_feed_in_w, Binding::external_feed_in);
  if (inputs.ripple_cap_w) {
    candidates.push_back({*inputs.ripple_cap_w, Binding::ripple});
    if (reachable_output_w + unreachable_rated_w > *inputs.ripple_cap_w + inputs.margin_w) {
      decision.export_violation = true;
    }
  }
  const PhaseView phases = phases_of(grid, inputs);
  double phase_import_excess_w = 0;
  bool phase_known = false;
  for (const auto &[power_w, limit_w] : phases.power_and_limit_w) {
    phase_known = true;
    // Export on this phase may grow by limit + P_k; the inverters change it by their share.
    const double room_w = (limit_w + power_w) / phases.inverter_share;
    candidates.push_back({reachable_output_w + room_w - inputs.margin_w, Binding::phase_current});
    if (-power_w > limit_w) decision.export_violation = true;
    phase_import_excess_w =
        std::max(phase_import_excess_w, (power_w - limit_w) / phases.inverter_share);
  }
  if (!candidates.empty()) {
    const auto tightest = std::min_element(
        candidates.begin(), candidates.end(),
        [](const Candidate &a, const Candidate &b) { return a.total_w < b.total_w; });
    decision.pv_total_w = std::max(0.0, tightest->total_w);
    decision.binding = tightest->binding;
  }

  // Import side: the most demanding of the import limit, the external one and the fuse.
  std::optional<double> excess;
  auto import_limit = [&](std::optional<double> limit_w) {
    if (!limit_w) return;
    excess = std::max(excess.value_or(-1e12), grid.power_w - *limit_w + inputs.margin_w);
  };
  import_limit(inputs.import_limit_w);
  import_limit(inputs.external_import_w);
  if (phase_known) excess = std::max(excess.value_or(-1e12), phase_import_excess_w);
  decision.import_limited = excess.has_value();
  decision.import_excess_w = excess.value_or(0);

  if (!decision.pv_total_w) {
    for (const auto &inverter : reachable)
      decision.inverters.push_back({inverter.id, inverter.rated_w, true});
  } else {
    decision.inverters = split_pv_limit(std::max(0.0, *decision.pv_total_w - unreachable_rated_w),
                                        reachable, headroom_w);
  }
  return decision;
}

std::vector<InverterLimit> split_by_rating(double budget_w,
                                           std::span<const InverterInput> inverters) {
  double rated_total_w = 0;
  for (const auto &inverter : inverters) rated_total_w += inverter.rated_w;
  std::vector<InverterLimit> limits;
  for (const auto &inverter : inverters) {
    const double share_w = rated_total_w > 0 ? budget_w * inverter.rated_w / rated_total_w : 0;
    limits.push_back(
        {inverter.id, std::min(share_w, inverter.rated_w), share_w >= inverter.rated_w});
  }
  return limits;
}

std::vector<InverterLimit> split_pv_limit(double budget_w, std::span<const InverterInput> reachable,
                                          double headroom_w) {
  double rated_total_w = 0;
  for (const auto &inverter : reachable) rated_total_w += inverter.rated_w;
  if (budget_w >= rated_total_w) {
    std::vector<InverterLimit> limits;
    for (const auto &inverter : reachable) limits.push_back({inverter.id, inverter.rated_w, true});
    return limits;
  }
  // Water-filling: an inverter whose output + headroom is below its share keeps that much; its
  // actual output is taken from the budget and the rest is shared by the others.
  std::vector<bool> fixed(reachable.size(), false);
  std::vector<InverterLimit> limits;
  for (const auto &inverter : reachable) limits.push_back({inverter.id, 0, false});
  double left_w = budget_w, left_rated_w = rated_total_w;
  for (bool changed = true; changed && left_rated_w > 0;) {
    changed = false;
    for (size_t i = 0; i < reachable.size(); ++i) {
      if (fixed[i]) continue;
      const double output_w = std::max(0.0, reachable[i].ac_power_w);
      // Half the headroom: a short inverter's own cap (output + headroom) does not hold it back.
      const bool held_back = reachable[i].cap_w && output_w > *reachable[i].cap_w - headroom_w / 2;
      if (!held_back && output_w + headroom_w < left_w * reachable[i].rated_w / left_rated_w) {
        limits[i].limit_w = output_w + headroom_w;
        fixed[i] = true;
        left_w -= output_w;
        left_rated_w -= reachable[i].rated_w;
        changed = true;
      }
    }
  }
  if (left_rated_w > 0) {
    for (size_t i = 0; i < reachable.size(); ++i) {
      if (!fixed[i]) limits[i].limit_w = left_w * reachable[i].rated_w / left_rated_w;
    }
  } else {
    // Nobody can use more now: what is left goes on top of every cap by rating, so the caps
    // add up to the budget and a rising sun is not held back before the next write.
    double given_w = 0;
    for (const auto &limit : limits) given_w += limit.limit_w;
    for (size_t i = 0; i < reachable.size(); ++i) {
      limits[i].limit_w += std::max(0.0, budget_w - given_w) * reachable[i].rated_w / rated_total_w;
    }
  }
  for (size_t i = 0; i < reachable.size(); ++i) {
    limits[i].limit_w = std::clamp(limits[i].limit_w, 0.0, reachable[i].rated_w);
  }
  return limits;
}

bool limit_write_needed(std::optional<double> last_w, double target_w, double output_w,
                        double deadband_w, double headroom_w) {
  if (!last_w) return true;
  if (std::abs(target_w - *last_w) < deadband_w) return false;
  if (target_w < *last_w) return target_w < output_w + headroom_w;
  return output_w >= *last_w - headroom_w;
}

std::vector<BatteryPower> battery_power_for_import(double excess_w,
                                                   std::span<const BatteryInput> batteries) {
  std::vector<BatteryPower> targets;
  double rating_w = 0;
  for (const auto &battery : batteries) {
    if (battery.online) rating_w += battery.max_discharge_w;
  }
  if (rating_w <= 0) return targets;
  for (const auto &battery : batteries) {
    if (!battery.online) continue;
    const double share_w = excess_w * battery.max_discharge_w / rating_w;
    targets.push_back(
        {battery.id, std::clamp(battery.power_w - share_w, -battery.max_discharge_w, 0.0)});
  }
  return targets;
}

}  // namespace hearth::energy
