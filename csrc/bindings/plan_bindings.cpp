// Step plans (autograd/plan.h): record a step once while it runs eagerly, then replay it from C++.
#include "bindings/common.h"

namespace pydl {
namespace bind {

std::string python_location() {
  PyFrameObject* frame = PyEval_GetFrame();  // borrowed
  if (frame == nullptr) return "(no Python frame)";
  py::object code = py::reinterpret_steal<py::object>(reinterpret_cast<PyObject*>(PyFrame_GetCode(frame)));
  std::string file = py::str(code.attr("co_filename"));
  const auto slash = file.find_last_of('/');
  if (slash != std::string::npos) file = file.substr(slash + 1);
  return file + ":" + std::to_string(PyFrame_GetLineNumber(frame)) + " in " +
         std::string(py::str(code.attr("co_name")));
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
}

}  // namespace bind
}  // namespace pydl
