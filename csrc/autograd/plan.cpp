// Recording and replay of step plans (see plan.h).
#include "autograd/plan.h"
#include "autograd/node.h"

namespace pydl {
namespace plan {
namespace {

thread_local std::weak_ptr<Plan> g_recording;  // the plan recording on this thread (none once it is freed)
thread_local int g_op_depth = 0;           // > 0 while record() runs an op

struct OpDepth {
  OpDepth() { ++g_op_depth; }
  ~OpDepth() { --g_op_depth; }
};

struct GradModeRestore {
  bool prev = autograd::grad_enabled();
  ~GradModeRestore() { autograd::set_grad_enabled(prev); }
};

}  // namespace

bool recording() { return !g_recording.expired(); }
bool inside_op() { return g_op_depth > 0; }

void refuse(const std::string& why) {
  if (auto p = g_recording.lock(); p && p->reason_.empty()) p->reason_ = why;
}

int Plan::new_slot(const Tensor& t) {
  const int s = n_slots_++;
  rec_->slot_of[t.impl()] = s;
  rec_->held.push_back(t);
  return s;
}

void Plan::begin(const Tensors& inputs, const Tensors& state) {
  PYDL_CHECK(g_recording.expired(), RuntimeError, "a step plan is already recording on this thread");
  steps_.clear();
  out_slots_.clear();
  release_after_.clear();
  in_shapes_.clear();
  in_dtypes_.clear();
  n_slots_ = 0;
  usable_ = false;
  reason_.clear();
  rec_ = std::make_unique<Recording>();
  for (const Tensor& t : inputs) {
    PYDL_CHECK(t.defined(), ValueError, "plan: an input tensor is undefined");
    in_shapes_.push_back(t.shape());
    in_dtypes_.push_back(t.dtype());
    new_slot(t);
  }
  state_ = state;
  for (const Tensor& t : state) {
    PYDL_CHECK(t.defined(), ValueError, "plan: a state tensor is undefined");
    if (rec_->slot_of.count(t.impl())) {
      reason_ = "a state tensor is also an input";
      break;
    }
    new_slot(t);
  }
  g_recording = weak_from_this();
  PYDL_CHECK(!g_recording.expired(), RuntimeError, "plan.begin: the plan must be owned by a shared_ptr");
}

void Plan::abort() {
  if (g_recording.lock().get() == this) g_recording.reset();
  rec_.reset();
  steps_.clear();
  usable_ = false;
  if (reason_.empty()) reason_ = "the step raised an exception while it was recorded";
}

std::string Plan::end(const Tensors& outputs) {
  PYDL_CHECK(g_recording.lock().get() == this, RuntimeError, "plan.end: this plan is not recording");
  g_recording.reset();
  for (const Tensor& t : outputs) {
    auto it = t.defined() ? rec_->slot_of.find(t.impl()) : rec_->slot_of.end();
    if (it == rec_->slot_of.end()) {
      if (reason_.empty()) reason_ = "the step returned a tensor that no recorded op made";
      break;
    }
    out_slots_.push_back(it->second);
  }
  rec_.reset();
  usable_ = reason_.empty();
  if (!usable_) {
    steps_.clear();
    return reason_;
  }
  // Free each intermediate after the last step that reads it (outputs and state are kept).
  std::vector<int> last(n_slots_, -1);
  for (size_t i = 0; i < steps_.size(); ++i)
    for (int s : steps_[i].in)
      if (s >= 0) last[s] = static_cast<int>(i);
  const int fixed = static_cast<int>(in_shapes_.size() + state_.size());
  std::vector<bool> keep(n_slots_, false);
  for (int s : out_slots_) keep[s] = true;
  release_after_.assign(steps_.size(), {});
  for (int s = fixed; s < n_slots_; ++s)
    if (!keep[s] && last[s] >= 0) release_after_[last[s]].push_back(s);
  return reason_;
}

Tensors Plan::run(const Tensors& inputs) const {
  PYDL_CHECK(usable_, RuntimeError, "plan.run: the plan is not usable: ", reason_.empty() ? "not recorded" : reason_);
  PYDL_CHECK(inputs.size() == in_shapes_.size(), ValueError, "plan.run: expected ", in_shapes_.size(), " inputs, got ",
             inputs.size());
  std::vector<Tensor> slots(n_slots_);
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& t = inputs[i];
    PYDL_CHECK(t.defined() && t.shape() == in_shapes_[i] && t.dtype() == in_dtypes_[i], ShapeError, "plan.run: input ",
               i, " must have shape ", shape_str(in_shapes_[i]), " and dtype ", dtype_name(in_dtypes_[i]),
               " as recorded, got ",
               t.defined() ? shape_str(t.shape()) + " " + dtype_name(t.dtype()) : std::string("an undefined tensor"));
    slots[i] = t;
  }
  for (size_t i = 0; i < state_.size(); ++i) slots[inputs.size() + i] = state_[i];
  GradModeRestore restore;
  Tensors ins;
  for (size_t i = 0; i < steps_.size(); ++i) {
    const Step& st = steps_[i];
    ins.clear();
    for (int s : st.in) ins.push_back(s >= 0 ? slots[s] : Tensor());
    autograd::set_grad_enabled(st.grad_enabled);
    Tensors outs = st.fn(ins);
    PYDL_CHECK(outs.size() == st.out.size(), RuntimeError, "plan.run: step '", st.name, "' returned ", outs.size(),
               " tensors, recorded ", st.out.size());
    for (size_t k = 0; k < outs.size(); ++k)
      if (st.out[k] >= 0) slots[st.out[k]] = std::move(outs[k]);
    for (int s : release_after_[i]) slots[s] = Tensor();
  }
  Tensors result;
  for (int s : out_slots_) result.push_back(slots[s]);
  return result;
}

std::vector<std::string> Plan::step_names() const {
  std::vector<std::string> out;
  for (const Step& s : steps_) out.push_back(s.name);
  return out;
}

Tensors record(const char* name, const Tensors& ins, OpFn fn) {
  std::shared_ptr<Plan> p = g_recording.lock();
  if (p == nullptr || g_op_depth > 0 || !p->reason_.empty()) {
    OpDepth depth;
    return fn(ins);
  }
  std::vector<int> in_slots;
  bool known = true;
  for (const Tensor& t : ins) {
    if (!t.defined()) {
      in_slots.push_back(-1);
      continue;
    }
    auto it = p->rec_->slot_of.find(t.impl());
    if (it == p->rec_->slot_of.end()) {
      known = false;
      break;
    }
    in_slots.push_back(it->second);
  }
  if (!known)
    refuse(std::string("'") + name +
           "' read a tensor that is neither an input of the step, nor a weight or state "
           "tensor, nor made by an earlier op of the step (a tensor created from Python data during the step?)");
  const bool grad = autograd::grad_enabled();
  Tensors outs;
  {
    OpDepth depth;
    outs = fn(ins);
  }
  if (!known) return outs;
  Step st{name, std::move(fn), std::move(in_slots), {}, grad};
  for (const Tensor& o : outs) st.out.push_back(o.defined() ? p->new_slot(o) : -1);
  p->steps_.push_back(std::move(st));
  return outs;
}

}  // namespace plan
}  // namespace pydl
