// A C++-only exercise of the core (tensors, views, kernels, autograd, threads) for the sanitizer stage of CI:
// run under AddressSanitizer with leak detection on, without a Python interpreter whose own leaks would drown ours.
#include <cmath>
#include <cstdio>
#include <vector>
#include "autograd/node.h"
#include "core/thread_pool.h"
#include "ops/ops.h"

using namespace pydl;

static int failures = 0;
#define EXPECT(cond)                                                          \
  do {                                                                        \
    if (!(cond)) { std::fprintf(stderr, "FAILED %s:%d: %s\n", __FILE__, __LINE__, #cond); ++failures; } \
  } while (0)

static bool near(double a, double b, double tol = 1e-4) { return std::fabs(a - b) <= tol * (1 + std::fabs(b)); }

static Tensor from_vec(const std::vector<float>& v, Shape shape) {
  Tensor t = ops::empty(shape, DType::Float32);
  for (size_t i = 0; i < v.size(); ++i) t.data<float>()[i] = v[i];
  return t;
}

static void test_views_and_elementwise() {
  Tensor a = from_vec({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor t = ops::transpose(a, 0, 1);
  EXPECT(!t.is_contiguous());
  Tensor c = ops::contiguous(t);
  EXPECT(c.data<float>()[1] == 4.0f);
  Tensor s = ops::add(a, from_vec({10, 20, 30}, {3}));
  EXPECT(s.data<float>()[5] == 36.0f);
  Tensor sig = ops::unary(UnaryOp::Sigmoid, a);
  EXPECT(near(sig.data<float>()[0], 1.0 / (1.0 + std::exp(-1.0))));
  std::vector<ops::IndexItem> items{{ops::IndexItem::Slice, 0, 0, -1}};
  Tensor rev = ops::contiguous(ops::index_view(a, items));
  EXPECT(rev.data<float>()[0] == 4.0f);
  Tensor cat = ops::concatenate({a, a}, 1);
  EXPECT(cat.shape() == Shape({2, 6}) && cat.data<float>()[3] == 1.0f);
  Tensor p = ops::pad(a, {{1, 0}, {0, 1}}, -1.0);
  EXPECT(p.shape() == Shape({3, 4}) && p.data<float>()[0] == -1.0f && p.data<float>()[4] == 1.0f);
  bool threw = false;
  try { ops::add(a, from_vec({1, 2}, {2})); } catch (const ShapeError&) { threw = true; }
  EXPECT(threw);
}

static void test_reductions_and_matmul() {
  Tensor x = ops::random({257, 129}, RandomKind::Normal, 0, 1, DType::Float64);
  Tensor total = ops::sum(x, {}, false);
  double ref = 0;
  for (int64_t i = 0; i < x.numel(); ++i) ref += x.data<double>()[i];
  EXPECT(near(total.data<double>()[0], ref, 1e-9));
  Tensor w = ops::random({129, 65}, RandomKind::Normal, 0, 1, DType::Float64);
  Tensor y = ops::matmul(x, w);
  double r = 0;
  for (int k = 0; k < 129; ++k) r += x.data<double>()[3 * 129 + k] * w.data<double>()[k * 65 + 7];
  EXPECT(near(y.data<double>()[3 * 65 + 7], r, 1e-9));
  Tensor sm = ops::softmax(x, -1, false);
  Tensor rows = ops::sum(sm, {1}, false);
  EXPECT(near(rows.data<double>()[100], 1.0, 1e-12));
  Tensor am = ops::argmax(x, nullptr, false);
  EXPECT(am.dtype() == DType::Int64);
}

static void test_autograd() {
  Tensor x = ops::random({4, 3}, RandomKind::Normal, 0, 1, DType::Float64);
  x.set_requires_grad(true);
  Tensor w = ops::random({3, 2}, RandomKind::Normal, 0, 1, DType::Float64);
  w.set_requires_grad(true);
  Tensor loss = ops::sum(ops::unary(UnaryOp::Tanh, ops::matmul(x, w)), {}, false);
  autograd::backward(loss, ops::ones({}, DType::Float64), false);
  EXPECT(x.grad().defined() && w.grad().defined());
  EXPECT(x.grad().shape() == x.shape());
  // A deep chain must be built, differentiated and freed without recursion.
  Tensor v = ops::ones({1}, DType::Float64);
  v.set_requires_grad(true);
  Tensor h = v;
  for (int i = 0; i < 20000; ++i) h = ops::mul_scalar(h, 1.0);
  autograd::backward(h, ops::ones({1}, DType::Float64), false);
  EXPECT(near(v.grad().data<double>()[0], 1.0));
  bool threw = false;
  try { autograd::backward(h, ops::ones({1}, DType::Float64), false); } catch (const RuntimeError&) { threw = true; }
  EXPECT(threw);
}

static void test_threads() {
  set_num_threads(2);
  manual_seed(7);
  Tensor a = ops::random({1 << 20}, RandomKind::Uniform, 0, 1, DType::Float32);
  Tensor s2 = ops::sum(a, {}, false);
  set_num_threads(1);
  Tensor s1 = ops::sum(a, {}, false);
  EXPECT(s1.data<float>()[0] == s2.data<float>()[0]);
  set_num_threads(2);
}

int main() {
  test_views_and_elementwise();
  test_reductions_and_matmul();
  test_autograd();
  test_threads();
  if (failures) { std::fprintf(stderr, "%d selftest failure(s)\n", failures); return 1; }
  std::printf("selftest: all checks passed\n");
  return 0;
}
