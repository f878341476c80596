// A run of training steps replayed back to back (plan.h: train_steps): the batches, the plan and the optimizer's
// fused update, with no Python between steps.
#include <cstring>
#include "autograd/plan.h"
#include "ops/ops.h"

namespace pydl {
namespace plan {

namespace {

double scalar_value(const Tensor& t_in) {
  PYDL_CHECK(t_in.numel() == 1, ValueError, "train_steps: a step output has ", t_in.numel(),
             " elements; expected a scalar (loss or metric)");
  const Tensor t = ops::to_device(t_in, Device{});
  return visit_dtype(t.dtype(), [&](auto tag) { return static_cast<double>(*t.data<decltype(tag)>()); });
}

}  // namespace

std::vector<double> train_steps(const Plan& plan, const TrainSteps& s, int64_t first) {
  const int64_t n = static_cast<int64_t>(s.order.size()), count = static_cast<int64_t>(s.rules.size());
  PYDL_CHECK(s.batch_size > 0 && first >= 0 && (first + count) * s.batch_size <= n, ValueError, "train_steps: steps ",
             first, "..", first + count, " of batch size ", s.batch_size, " do not fit in ", n, " samples");
  for (int64_t i : s.order) PYDL_CHECK(i >= 0 && i < n, IndexError, "train_steps: sample index ", i, " out of range");
  for (const Tensor& d : s.data)
    PYDL_CHECK(d.dim() >= 1 && d.shape()[0] == n, ShapeError, "train_steps: every array needs ", n,
               " samples along axis 0, got shape ", shape_str(d.shape()));
  std::vector<double> out;
  Tensors batch(s.data.size());
  for (int64_t k = 0; k < count; ++k) {
    const int64_t* rows = s.order.data() + (first + k) * s.batch_size;
    bool consecutive = true;  // unshuffled: the batch is a view of the arrays' rows, as NumPy slicing gives
    for (int64_t i = 1; i < s.batch_size && consecutive; ++i) consecutive = rows[i] == rows[0] + i;
    if (consecutive) {
      for (size_t a = 0; a < s.data.size(); ++a) batch[a] = ops::narrow(s.data[a], 0, rows[0], s.batch_size);
    } else {
      Tensor idx = Tensor::empty({s.batch_size}, DType::Int64);
      std::memcpy(idx.data<int64_t>(), rows, s.batch_size * sizeof(int64_t));
      for (size_t a = 0; a < s.data.size(); ++a)
        batch[a] = ops::index_select(s.data[a], 0,
                                     s.data[a].device().is_cpu() ? idx : ops::to_device(idx, s.data[a].device()));
    }
    for (const Tensor& t : plan.run(batch)) out.push_back(scalar_value(t));
    ops::optim_update_all(s.rules[k], s.params, nullptr, s.slots, /*clear_grad=*/true);
  }
  return out;
}

}  // namespace plan
}  // namespace pydl
