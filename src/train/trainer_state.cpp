#include "lethe/train/trainer_state.h"

#include <ATen/CPUGeneratorImpl.h>

#include <filesystem>

#include "lethe/core/error.h"
#include "lethe/io/safetensors.h"

namespace lethe::train {

void save_trainer_state(const std::string& dir, const TrainerState& st, const Optimizer& opt,
                        const std::string& config_yaml) {
  const auto sub = join_path(dir, "trainer_state");
  std::filesystem::create_directories(sub);
  auto tensors = opt.state();
  tensors.emplace_back("rng/cpu", at::detail::getDefaultCPUGenerator().get_state());  // torch.get_rng_state()
  save_safetensors(join_path(sub, "optimizer.safetensors"), tensors);
  json j = st.extra;
  j["step"] = st.step;
  j["total_steps"] = st.total_steps;
  j["micro_batch"] = st.micro_batch;
  j["epoch"] = st.epoch;
  j["seed"] = st.seed;
  write_json_file(join_path(sub, "trainer_state.json"), j);
  write_text_file_atomic(join_path(sub, "config.yaml"), config_yaml);
}

TrainerState load_trainer_state(const std::string& dir, Optimizer& opt) {
  const auto sub = join_path(dir, "trainer_state");
  const auto state_path = join_path(sub, "trainer_state.json");
  if (!file_exists(state_path))
    throw FormatError(dir, "not a Lethe checkpoint (no trainer_state/trainer_state.json)");
  auto j = read_json_file(state_path);
  TrainerState st;
  try {
    st.step = j.at("step");
    st.total_steps = j.at("total_steps");
    st.micro_batch = j.at("micro_batch");
    st.epoch = j.at("epoch");
    st.seed = j.at("seed");
  } catch (const json::exception& e) {
    throw FormatError(state_path, e.what());
  }
  st.extra = j;
  auto file = SafetensorsFile::open(join_path(sub, "optimizer.safetensors"));
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& n : file.names()) tensors[n] = file.tensor(n);
  opt.load_state(tensors);
  if (tensors.count("rng/cpu")) {
    at::Generator gen = at::detail::getDefaultCPUGenerator();
    gen.set_state(tensors.at("rng/cpu"));
  }
  return st;
}

}  // namespace lethe::train
