// METH_FASTCALL functions for the verify hot path.
//
// pybind11's dispatcher costs about 1 µs extra per call once keyword arguments are used
// (it looks every parameter name up afresh), which is as much as the three HMACs of a
// TOTP window. Verification always passes keywords (window, after_step), so the two
// verify functions are plain CPython vectorcall functions whose arguments are matched
// against interned names. Their errors, like those of the arg_* helpers, never repeat
// argument values, and C++ exceptions go through the same translators as every other
// function of the module.
#pragma once

#include <Python.h>

#include <initializer_list>
#include <vector>

#include "registers.hpp"

namespace totp_native::bindings {

class FastSignature {
 public:
  // |function| names the function in errors. The first |max_positional| parameters may
  // be passed positionally; the first |required| must be passed.
  FastSignature(const char* function, std::initializer_list<const char*> params,
                std::size_t max_positional, std::size_t required);

  // parse fills |out| (size() slots) with borrowed references, nullptr for an omitted
  // optional parameter. Returns false with a TypeError set on a call that does not fit
  // the signature.
  bool parse(PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames, PyObject** out) const;
  std::size_t size() const noexcept { return names_.size(); }

 private:
  const char* function_;
  std::vector<const char*> names_;
  std::vector<PyObject*> interned_;  // immortal for the life of the module
  std::size_t max_positional_;
  std::size_t required_;
};

// call_guarded runs |body| (returning py::object) and converts any C++ exception into
// the Python error the module's translators choose; returns a new reference or nullptr.
template <typename Body>
PyObject* call_guarded(Body&& body) noexcept {
  try {
    return body().release().ptr();
  } catch (...) {
    py::detail::try_translate_exceptions();
    return nullptr;
  }
}

// add_fast_function adds |def| (static storage) to module |m|.
void add_fast_function(py::module_& m, PyMethodDef* def);

}  // namespace totp_native::bindings
