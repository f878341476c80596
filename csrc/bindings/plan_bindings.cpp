// Step plans (autograd/plan.h): record a step once while it runs eagerly, then replay it from C++.
#include "bindings/common.h"

namespace pydl {
namespace bind {

std::string python_location() {
  // The innermost three frames: the op's caller inside pydl is rarely the line that explains the refusal.
  std::string out;
  PyFrameObject* frame = PyEval_GetFrame();  // borrowed
  py::object hold;                           // keeps each outer frame (a new reference) alive while it is read
  for (int depth = 0; frame != nullptr && depth < 3; ++depth) {
    py::object code = py::reinterpret_steal<py::object>(reinterpret_cast<PyObject*>(PyFrame_GetCode(frame)));
    std::string file = py::str(code.attr("co_filename"));
    const auto slash = file.find_last_of('/');
    if (slash != std::string::npos) file = file.substr(slash + 1);
    if (depth) out += " < ";
    out +=
        file + ":" + std::to_string(PyFrame_GetLineNumber(frame)) + " in " + std::string(py::str(code.attr("co_name")));
    hold = py::reinterpret_steal<py::object>(reinterpret_cast<PyObject*>(PyFrame_GetBack(frame)));
    frame = reinterpret_cast<PyFrameObject*>(hold.ptr());
  }
  return out.empty() ? "(no Python frame)" : out;
}

void refuse_plan(const char* what) {
  plan::refuse(std::string(what) + " ran during the step (" + python_location() + ")");
}

void bind_plan(py::module_& m) {
  py::class_<plan::Plan, std::shared_ptr<plan::Plan>>(m, "_Plan", "A recorded step (see pydl/models/plans.py).")
      .def(py::init<>())
      .def("begin", &plan::Plan::begin, py::arg("inputs"), py::arg("state"),
           "Starts recording on this thread: ops on `inputs`, `state` and their results are recorded.")
      .def("end", &plan::Plan::end, py::arg("outputs"),
           "Stops recording; returns '' when the plan can be replayed, else why not.")
      .def("abort", &plan::Plan::abort, "Abandons a recording (the step raised).")
      .def(
          "run",
          [](const plan::Plan& p, const std::vector<Tensor>& inputs) {
            if (plan::recording()) refuse_plan("a plan replay");
            GilRelease release;
            return p.run(inputs);
          },
          py::arg("inputs"), "Replays the step on new inputs (GIL released); returns the recorded outputs.")
      .def_property_readonly("usable", &plan::Plan::usable)
      .def_property_readonly("reason", &plan::Plan::reason)
      .def_property_readonly("steps", &plan::Plan::step_names, "The names of the recorded ops, in order.");
  m.def("_plan_recording", &plan::recording, "True while a step plan records on this thread.");
  // Per-step optimizer constants come as lists (one entry per step), the rest as in _optim_update.
  m.def(
      "_train_steps",
      [](const plan::Plan& p, const std::vector<Tensor>& data, std::vector<int64_t> order, int64_t batch_size,
         int64_t first, OptimKind kind, const std::vector<double>& lr, const std::vector<double>& beta1,
         const std::vector<double>& beta2, double eps, const std::vector<std::vector<double>>& c, bool nesterov,
         bool amsgrad, double clipnorm, double clipvalue, const std::vector<Tensor>& params, py::list slots) {
        if (plan::recording()) refuse_plan("a run of replayed steps");
        plan::TrainSteps s;
        s.data = data;
        s.order = std::move(order);
        s.batch_size = batch_size;
        s.params = params;
        PYDL_CHECK(beta1.size() == lr.size() && beta2.size() == lr.size() && c.size() == lr.size(), ValueError,
                   "_train_steps: lr, beta1, beta2 and c need one entry per step");
        for (size_t k = 0; k < lr.size(); ++k)
          s.rules.push_back(
              optim_rule(kind, lr[k], beta1[k], beta2[k], eps, c[k], nesterov, amsgrad, clipnorm, clipvalue));
        PYDL_CHECK(py::len(slots) == params.size(), ValueError, "_train_steps: one slot list per parameter");
        s.slots = optim_slots(slots);
        GilRelease release;
        return plan::train_steps(p, s, first);
      },
      "Replays training steps of one epoch back to back (plan.h: train_steps); returns their outputs, step-major.");
}

}  // namespace bind
}  // namespace pydl
