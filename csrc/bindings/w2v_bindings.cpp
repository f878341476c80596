// Binding of the word2vec trainer (pydl._C._word2vec_train). pydl/text/word2vec.py prepares the arrays; the arrays
// are shared with NumPy (no copy), so syn0/syn1neg are trained in place.
#include "bindings/common.h"
#include "ops/word2vec.h"

namespace pydl {
namespace bind {

void bind_w2v(py::module_& m) {
  m.def("_word2vec_train", [](py::array syn0, py::array syn1neg, py::array ids, py::array offsets, py::array counts,
                              bool sg, bool cbow_mean, int64_t window, int64_t negative, double sample,
                              double ns_exponent, double alpha, double min_alpha, int64_t epochs, int64_t workers,
                              uint64_t seed) {
    const Tensor t0 = from_numpy(syn0), t1 = from_numpy(syn1neg), ti = from_numpy(ids), to = from_numpy(offsets),
                 tc = from_numpy(counts);
    Word2VecJob p;
    p.skip_gram = sg;
    p.cbow_mean = cbow_mean;
    p.window = window;
    p.negative = negative;
    p.sample = sample;
    p.ns_exponent = ns_exponent;
    p.alpha = alpha;
    p.min_alpha = min_alpha;
    p.epochs = epochs;
    p.workers = workers;
    p.seed = seed;
    return nogil([&] { return ops::word2vec_train(t0, t1, ti, to, tc, p); });
  }, py::arg("syn0"), py::arg("syn1neg"), py::arg("ids"), py::arg("offsets"), py::arg("counts"), py::arg("sg"),
     py::arg("cbow_mean"), py::arg("window"), py::arg("negative"), py::arg("sample"), py::arg("ns_exponent"),
     py::arg("alpha"), py::arg("min_alpha"), py::arg("epochs"), py::arg("workers"), py::arg("seed"));
}

}  // namespace bind
}  // namespace pydl
