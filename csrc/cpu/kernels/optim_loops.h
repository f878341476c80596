// The optimizer rules as loops over a range of elements (see cpu/optim_isa.h). Included inside an anonymous
// namespace by optim_<isa>.cpp, after <algorithm> and <cmath>. All array arithmetic is in T with the scalars cast
// once, in the order of the rule as written in ops/ops.h; one loop per rule (chosen outside the loop) so each
// vectorizes, and the gradient's clipping branches are loop-invariant (the compiler unswitches them).
template <typename T>
void optim_loop(const pydl::cpu::OptimLoopArgs& s, int64_t lo, int64_t hi) {
  using pydl::OptimKind;
  T* __restrict p = static_cast<T*>(s.p);
  const T* __restrict gr = static_cast<const T*>(s.g);
  T* __restrict a = static_cast<T*>(s.a);
  T* __restrict b = static_cast<T*>(s.b);
  T* __restrict c = static_cast<T*>(s.c);
  const bool scale = s.scale, clip = s.clip;
  const T factor = static_cast<T>(s.factor), cv = static_cast<T>(s.clipvalue);
  const T lr = static_cast<T>(s.lr), eps = static_cast<T>(s.eps);
  const T b1 = static_cast<T>(s.beta1), b2 = static_cast<T>(s.beta2);
  const T one_b1 = static_cast<T>(1.0 - s.beta1), one_b2 = static_cast<T>(1.0 - s.beta2);
  const T c1 = static_cast<T>(s.c1), c2 = static_cast<T>(s.c2), c3 = static_cast<T>(s.c3);
  const T c4 = static_cast<T>(s.c4), c5 = static_cast<T>(s.c5);
  auto G = [=](int64_t i) {
    T g = gr[i];
    if (scale) g = g * factor;
    if (clip) g = std::min(std::max(g, -cv), cv);
    return g;
  };
  switch (s.rule) {
    case OptimKind::SGD:
      if (!a) {
        for (int64_t i = lo; i < hi; ++i) p[i] = p[i] - lr * G(i);
      } else if (s.nesterov) {
        for (int64_t i = lo; i < hi; ++i) {
          const T g = G(i);
          a[i] = b1 * a[i] - lr * g;
          p[i] = p[i] + b1 * a[i] - lr * g;
        }
      } else {
        for (int64_t i = lo; i < hi; ++i) {
          a[i] = b1 * a[i] - lr * G(i);
          p[i] = p[i] + a[i];
        }
      }
      break;
    case OptimKind::Adagrad:
      for (int64_t i = lo; i < hi; ++i) {
        const T g = G(i);
        a[i] = a[i] + g * g;
        p[i] = p[i] - lr * g / (std::sqrt(a[i]) + eps);
      }
      break;
    case OptimKind::Adadelta:
      for (int64_t i = lo; i < hi; ++i) {
        const T g = G(i);
        a[i] = b1 * a[i] + one_b1 * g * g;
        const T upd = g * std::sqrt(b[i] + eps) / std::sqrt(a[i] + eps);
        p[i] = p[i] - lr * upd;
        b[i] = b1 * b[i] + one_b1 * upd * upd;
      }
      break;
    case OptimKind::RMSprop:
      for (int64_t i = lo; i < hi; ++i) {
        const T g = G(i);
        a[i] = b1 * a[i] + one_b1 * g * g;
        p[i] = p[i] - lr * g / (std::sqrt(a[i]) + eps);
      }
      break;
    case OptimKind::Adam:
      if (s.amsgrad) {
        for (int64_t i = lo; i < hi; ++i) {
          const T g = G(i);
          a[i] = b1 * a[i] + one_b1 * g;
          b[i] = b2 * b[i] + one_b2 * g * g;
          c[i] = std::max(c[i], b[i]);
          p[i] = p[i] - lr * a[i] / (std::sqrt(c[i]) + eps);
        }
      } else {
        for (int64_t i = lo; i < hi; ++i) {
          const T g = G(i);
          a[i] = b1 * a[i] + one_b1 * g;
          b[i] = b2 * b[i] + one_b2 * g * g;
          p[i] = p[i] - lr * a[i] / (std::sqrt(b[i]) + eps);
        }
      }
      break;
    case OptimKind::Nadam:
      for (int64_t i = lo; i < hi; ++i) {
        const T g = G(i);
        const T g_prime = g / c1;
        a[i] = b1 * a[i] + one_b1 * g;
        const T m_prime = a[i] / c2;
        b[i] = b2 * b[i] + one_b2 * g * g;
        const T v_prime = b[i] / c3;
        const T m_bar = c4 * g_prime + c5 * m_prime;
        p[i] = p[i] - lr * m_bar / (std::sqrt(v_prime) + eps);
      }
      break;
  }
}
