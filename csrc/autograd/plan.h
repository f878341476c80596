// A step plan: the ops of one training (or inference) step, recorded once while the step runs eagerly, then replayed
// from C++ on new inputs without Python. Replay calls the same op functions in the same order with the same
// arguments (grad mode included), so it computes bit for bit what the eager step would.
//
// While a plan records, every op a binding runs is either recorded (its closure, where its inputs come from, where its
// outputs go) or refused: a plan is usable only if each tensor an op reads is a declared input, a declared state
// tensor (weights, running statistics: read and written in place, live), or the output of an earlier recorded op;
// and if nothing read a tensor's values back to the host during the step (a Python-side decision the replay could not
// repeat). A refused plan keeps the first reason; the caller then stays on the eager path.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>
#include "core/optim.h"
#include "core/tensor.h"

namespace pydl {
namespace plan {

using Tensors = std::vector<Tensor>;
using OpFn = std::function<Tensors(const Tensors&)>;

struct Step {
  std::string name;
  OpFn fn;
  std::vector<int> in, out;  // slots
  bool grad_enabled = true;
};

class Plan : public std::enable_shared_from_this<Plan> {
 public:
  // Starts recording on this thread: `inputs` are the per-call tensors (fed anew to each run), `state` the tensors
  // the step may read and update in place (held by the plan). The plan must be owned by a shared_ptr; the thread
  // refers to it weakly, so a plan dropped while it records simply stops recording.
  void begin(const Tensors& inputs, const Tensors& state);
  // Stops recording; `outputs` are what run() returns. Returns "" when the plan can be replayed, else the reason.
  std::string end(const Tensors& outputs);
  // Abandons a recording (an exception in the step).
  void abort();
  // One replay on new inputs (same count, shapes and dtypes as recorded; checked).
  Tensors run(const Tensors& inputs) const;

  bool usable() const { return usable_; }
  const std::string& reason() const { return reason_; }
  std::vector<std::string> step_names() const;

 private:
  friend Tensors record(const char* name, const Tensors& ins, OpFn fn);
  friend void refuse(const std::string& why);
  struct Recording {
    std::unordered_map<const TensorImpl*, int> slot_of;
    Tensors held;  // every tensor seen while recording: an address is never reused for another tensor
  };
  int new_slot(const Tensor& t);

  std::vector<Shape> in_shapes_;
  std::vector<DType> in_dtypes_;
  Tensors state_;
  std::vector<Step> steps_;
  std::vector<int> out_slots_;
  std::vector<std::vector<int>> release_after_;  // per step: slots no later step reads
  int n_slots_ = 0;
  bool usable_ = false;
  std::string reason_;
  std::unique_ptr<Recording> rec_;
};

// Training steps of one epoch over in-memory arrays, replayed without returning to Python between them.
struct TrainSteps {
  Tensors data;                  // one array per plan input, samples along axis 0
  std::vector<int64_t> order;    // the epoch's sample order (a permutation of the samples)
  int64_t batch_size = 0;        // every step covers a full batch of `order`
  std::vector<OptimStep> rules;  // per step: the optimizer's rule and constants for that update
  Tensors params;                // updated in place after each replay, gradients cleared
  std::vector<std::array<Tensor, 3>> slots;
};
// Runs steps [first, first + rules.size()) of the epoch: for each, takes the batch's rows of each array (in `order`),
// replays the plan, and applies the optimizer's fused update. Returns each step's outputs as doubles, step-major.
std::vector<double> train_steps(const Plan& plan, const TrainSteps& s, int64_t first);

// Is a plan recording on this thread?
bool recording();
// The plan being recorded cannot be replayed (first reason kept). No-op when nothing records.
void refuse(const std::string& why);
// Runs fn(ins) and, while a plan records, records it as the step `name`.
Tensors record(const char* name, const Tensors& ins, OpFn fn);
// True while record() runs an op: work done inside an op is part of it, not a step of its own.
bool inside_op();

}  // namespace plan
}  // namespace pydl
